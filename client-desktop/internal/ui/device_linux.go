package ui

/*
#cgo LDFLAGS: -lasound
#include <alsa/asoundlib.h>

static void quiet(const char *file, int line, const char *function, int err, const char *fmt, ...) {}

// canPlay opens and closes the playback device the audio library will open.
static int canPlay(void) {
	const char *names[] = {"default", "plug:default"};
	snd_pcm_t *h;
	int ok = 0;
	snd_lib_error_set_handler(quiet);
	for (int i = 0; i < 2 && !ok; i++) {
		if (snd_pcm_open(&h, names[i], SND_PCM_STREAM_PLAYBACK, SND_PCM_NONBLOCK) == 0) {
			snd_pcm_close(h);
			ok = 1;
		}
	}
	snd_lib_error_set_handler(NULL);
	return ok;
}
*/
import "C"

// audioDevice reports whether the machine has a sound device to play on.
func audioDevice() bool { return C.canPlay() != 0 }
