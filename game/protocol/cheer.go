package protocol

// Reactions are the cheers the spectator page offers as buttons. Any other printable text of
// at most MaxCheerRunes runes is accepted too; an events message carries either as the text
// of a cheer (EventCheer).
var Reactions = []string{"👏", "🔥", "😮", "😂", "💀", "🎯", "gg", "nice shot", "wow"}

// MaxCheerRunes is the longest free-text cheer, in characters (runes).
const MaxCheerRunes = 24
