package suite

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// table is the suite's one table: every figure with the baselines measured in the same run
// and the target it should reach.
type table struct {
	rows []row
}

type row struct {
	section, figure, value, baselines, target string
}

func (t *table) add(section, figure, value, baselines, target string) {
	t.rows = append(t.rows, row{section, figure, value, baselines, target})
}

// markdown writes the table in GitHub's Markdown, aligned so it also reads as plain text.
func (t *table) markdown(w io.Writer) {
	head := row{"", "figure", "Skirmish", "baselines (same run)", "target"}
	all := append([]row{head}, t.rows...)
	var width [5]int
	for _, r := range all {
		for i, c := range r.cells() {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	line := func(cells [5]string) {
		var b strings.Builder
		b.WriteString("|")
		for i, c := range cells {
			b.WriteString(" " + c + strings.Repeat(" ", width[i]-len([]rune(c))) + " |")
		}
		fmt.Fprintln(w, b.String())
	}
	line(head.cells())
	var rule [5]string
	for i := range rule {
		rule[i] = strings.Repeat("-", width[i])
	}
	line(rule)
	prev := ""
	for _, r := range t.rows {
		c := r.cells()
		// A section is named on its first row only, so the eye finds where each begins.
		if c[0] == prev {
			c[0] = ""
		} else {
			prev = c[0]
		}
		line(c)
	}
}

func (r row) cells() [5]string { return [5]string{r.section, r.figure, r.value, r.baselines, r.target} }

// na is what a cell says when its figure could not be measured.
const na = "not available"

// us formats microseconds.
func us(v float64) string {
	if bad(v) {
		return na
	}
	if v >= 100 {
		return fmt.Sprintf("%.0f µs", v)
	}
	return fmt.Sprintf("%.2f µs", v)
}

// ns formats nanoseconds as ns or µs.
func ns(v float64) string {
	if bad(v) {
		return na
	}
	if v >= 10000 {
		return us(v / 1000)
	}
	return fmt.Sprintf("%.0f ns", v)
}

// ms formats milliseconds.
func ms(v float64) string {
	if bad(v) {
		return na
	}
	if v < 1 {
		return fmt.Sprintf("%.2f ms", v)
	}
	return fmt.Sprintf("%.1f ms", v)
}

// kib formats a byte count in KiB (or B when small).
func kib(v float64) string {
	if bad(v) {
		return na
	}
	if math.Abs(v) < 1024 {
		return fmt.Sprintf("%.0f B", v)
	}
	return fmt.Sprintf("%.1f KiB", v/1024)
}

// count formats a count or rate without decimals, thousands separated by a thin space.
func count(v float64) string {
	if bad(v) {
		return na
	}
	s := fmt.Sprintf("%.0f", math.Abs(v))
	var b strings.Builder
	if v < 0 {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(",")
		}
		b.WriteRune(c)
	}
	return b.String()
}

// fixed formats v with two decimals.
func fixed(v float64) string {
	if bad(v) {
		return na
	}
	return fmt.Sprintf("%.2f", v)
}

// ratio formats v as a multiple of floor.
func ratio(v, floor float64) string {
	if bad(v) || bad(floor) || floor == 0 {
		return ""
	}
	return fmt.Sprintf(" (%.2fx floor)", v/floor)
}

func bad(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
