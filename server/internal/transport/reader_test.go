package transport

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/gobwas/ws"
)

// TestFrameReader: client frames come out whole and in order however the socket cuts the
// bytes, whatever their length encoding, and an oversized one is refused from its header.
func TestFrameReader(t *testing.T) {
	frame := func(payload []byte) []byte {
		var b bytes.Buffer
		f := ws.MaskFrame(ws.NewBinaryFrame(payload))
		if err := ws.WriteFrame(&b, f); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	small, medium, large := []byte("input"), bytes.Repeat([]byte{7}, 300), bytes.Repeat([]byte{9}, 70000)
	stream := bytes.Join([][]byte{frame(small), frame(medium), frame(small), frame(large), frame(small)}, nil)
	want := [][]byte{small, medium, small, large, small}
	tests := []struct {
		name  string
		chunk int // bytes the socket hands over per read
	}{
		{"byte by byte", 1},
		{"odd cuts", 7},
		{"several frames per read", 4096},
		{"everything at once", len(stream)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := bytes.NewReader(stream)
			fill := func(p []byte) (int, error) { return src.Read(p[:min(len(p), tt.chunk)]) }
			fr := frameReader{buf: make([]byte, initialReadBuffer)}
			for i, w := range want {
				h, p, err := fr.next(1<<20, readerFunc(fill))
				if err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
				ws.Cipher(p, h.Mask, 0)
				if h.OpCode != ws.OpBinary || !h.Fin || !bytes.Equal(p, w) {
					t.Fatalf("frame %d: op %v fin %v, %d bytes, want %d", i, h.OpCode, h.Fin, len(p), len(w))
				}
			}
			if _, _, err := fr.next(1<<20, readerFunc(fill)); err != io.EOF {
				t.Fatalf("after the last frame: %v, want EOF", err)
			}
		})
	}
	t.Run("oversized frame refused", func(t *testing.T) {
		src := bytes.NewReader(frame(medium))
		fr := frameReader{buf: make([]byte, initialReadBuffer)}
		if _, _, err := fr.next(100, src); !errors.Is(err, ErrTooBig) {
			t.Fatalf("err = %v, want ErrTooBig", err)
		}
	})
}

// TestFrameReaderDropsGrownBuffer: the buffer grown for a big message goes once it is read,
// so an idle connection holds a small one.
func TestFrameReaderDropsGrownBuffer(t *testing.T) {
	var b bytes.Buffer
	for _, p := range [][]byte{bytes.Repeat([]byte{1}, 3000), []byte("input")} {
		if err := ws.WriteFrame(&b, ws.MaskFrame(ws.NewBinaryFrame(p))); err != nil {
			t.Fatal(err)
		}
	}
	src := bytes.NewReader(b.Bytes())
	// One frame per read, as a client that sends them apart.
	first := int64(b.Len() - len("input") - 6)
	fill := func(p []byte) (int, error) {
		if n := first - (src.Size() - int64(src.Len())); n > 0 {
			return src.Read(p[:min(int64(len(p)), n)])
		}
		return src.Read(p)
	}
	fr := frameReader{buf: make([]byte, initialReadBuffer)}
	if _, p, err := fr.next(1<<20, readerFunc(fill)); err != nil || len(p) != 3000 {
		t.Fatalf("big frame: %d bytes, %v", len(p), err)
	}
	if _, p, err := fr.next(1<<20, readerFunc(fill)); err != nil || len(p) != len("input") {
		t.Fatalf("small frame: %d bytes, %v", len(p), err)
	}
	if len(fr.buf) > maxIdleReadBuffer {
		t.Fatalf("the buffer kept %d bytes after the big message, want at most %d", len(fr.buf), maxIdleReadBuffer)
	}
}

// readerFunc makes a function an io.Reader.
type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
