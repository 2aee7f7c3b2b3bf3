package document_test

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spapi-go/spapi/document"
)

// bigSize is the benchmark report's size, uncompressed: 1 GiB.
const bigSize = 1 << 30

// bigGzip is a gzip stream of bigSize bytes of TSV, made on the fly: one
// gzip member whose deflate stream is the same independently compressed
// 1 MiB chunk (a fresh compressor, flushed, so it refers to nothing before
// it) repeated, then a final empty block, the CRC-32 and the size. Nothing
// is stored but the chunk, and serving it costs the server no compression.
type bigGzip struct {
	chunk, final []byte
	n            int // chunks
	crc          uint32
}

func newBigGzip(t testing.TB) *bigGzip {
	var raw bytes.Buffer
	for i := 0; raw.Len() < 1<<20; i++ {
		fmt.Fprintf(&raw, "SKU-%07d\tB0%08d\tItem name number %d, colour %d\t%d.%02d\t%d\n", i, i*7, i, i%13, i%500, i%100, i%40)
	}
	plain := raw.Bytes()[:1<<20]
	var z bytes.Buffer
	fw, _ := flate.NewWriter(&z, flate.DefaultCompression)
	_, _ = fw.Write(plain)
	_ = fw.Flush()
	var fin bytes.Buffer
	fw2, _ := flate.NewWriter(&fin, flate.DefaultCompression)
	_ = fw2.Close()
	g := &bigGzip{chunk: z.Bytes(), final: fin.Bytes(), n: bigSize / len(plain)}
	crc := crc32.NewIEEE()
	for range g.n {
		crc.Write(plain)
	}
	g.crc = crc.Sum32()
	return g
}

func (g *bigGzip) size() int64 {
	return int64(10 + g.n*len(g.chunk) + len(g.final) + 8)
}

func (g *bigGzip) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(g.size(), 10))
	bw := bufio.NewWriterSize(w, 256<<10)
	bw.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	for range g.n {
		if _, err := bw.Write(g.chunk); err != nil {
			return
		}
	}
	bw.Write(g.final)
	var tr [8]byte
	binary.LittleEndian.PutUint32(tr[:4], g.crc)
	binary.LittleEndian.PutUint32(tr[4:], uint32(bigSize))
	bw.Write(tr[:])
	bw.Flush()
}

// TestBigDocument (opt-in: DOC_BIG=1) streams a 1 GiB report, gzipped with
// a null compressionAlgorithm, through Open in a child process and checks
// its peak RSS (VmHWM) stays under 64 MiB; it times it against
// `curl -s URL | gunzip > /dev/null` of the same stream from the same
// server, and logs both and their ratio.
//
//	DOC_BIG=1 go test -run TestBigDocument -v ./document/
func TestBigDocument(t *testing.T) {
	if os.Getenv("DOC_BIG") != "1" {
		t.Skip("set DOC_BIG=1 to stream 1 GiB")
	}
	for _, tool := range []string{"curl", "gunzip", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s: %v", tool, err)
		}
	}
	g := newBigGzip(t)
	srv := httptest.NewServer(g)
	defer srv.Close()
	url := srv.URL + "/big.tsv.gz?X-Amz-Signature=x"
	t.Logf("serving %d bytes of gzip (%d MiB of TSV, %d-byte chunks)", g.size(), bigSize>>20, len(g.chunk))

	child := exec.Command(os.Args[0], "-test.run=^TestBigDocumentChild$", "-test.v")
	child.Env = append(os.Environ(), "DOC_BIG_URL="+url)
	out, err := child.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var n, hwm int64
	var secs float64
	for line := range strings.Lines(string(out)) {
		if _, err := fmt.Sscanf(strings.TrimSpace(line), "big: bytes=%d hwm_kb=%d secs=%f", &n, &hwm, &secs); err == nil {
			break
		}
	}
	if n != bigSize {
		t.Fatalf("child read %d bytes, want %d\n%s", n, bigSize, out)
	}

	start := time.Now()
	cmd := exec.Command("sh", "-c", "curl -sS '"+url+"' | gunzip > /dev/null")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("curl | gunzip: %v\n%s", err, b)
	}
	curl := time.Since(start).Seconds()
	t.Logf("document.Open: %d bytes in %.2f s (%.0f MiB/s), peak RSS (VmHWM) %d KiB", n, secs, float64(n)/secs/(1<<20), hwm)
	t.Logf("curl | gunzip: %.2f s (%.0f MiB/s); ratio Open/curl = %.2f", curl, float64(n)/curl/(1<<20), secs/curl)
	if hwm > 64<<10 {
		t.Errorf("peak RSS %d KiB, want at most 64 MiB", hwm)
	}
}

// TestBigDocumentChild is TestBigDocument's child process: it streams the
// document at DOC_BIG_URL to io.Discard and prints the bytes, its peak RSS
// and the time.
func TestBigDocumentChild(t *testing.T) {
	url := os.Getenv("DOC_BIG_URL")
	if url == "" {
		t.Skip("run by TestBigDocument")
	}
	start := time.Now()
	d, err := document.Open(t.Context(), url, document.CompressionNone, document.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, d)
	d.Close()
	if err != nil {
		t.Fatal(err)
	}
	secs := time.Since(start).Seconds()
	status, _ := os.ReadFile("/proc/self/status")
	var hwm int64
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			hwm, _ = strconv.ParseInt(strings.Fields(v)[0], 10, 64)
		}
	}
	fmt.Printf("big: bytes=%d hwm_kb=%d secs=%f\n", n, hwm, secs)
}
