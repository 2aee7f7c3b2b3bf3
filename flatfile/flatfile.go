// Package flatfile reads Amazon's tab-separated flat-file reports
// (GET_FLAT_FILE_OPEN_LISTINGS_DATA, GET_MERCHANT_LISTINGS_ALL_DATA and the
// other TSV reports) into rows addressed by header name, streaming: memory
// is bounded by the longest line, whatever the report's size.
//
// Amazon's flat files are not RFC 4180 CSV with tabs: a field is everything
// between two tabs, a double quote in it is a literal character (a title
// such as `12" Ruler` or `"Best" mug` comes back as written), and no field
// spans lines. Lines end with \n or \r\n; a UTF-8 byte order mark at the
// start is dropped; blank lines are skipped. A row with fewer fields than
// the header has the missing trailing fields empty; a row with more is an
// error naming its line. Read the document through the charset conversion
// of the download (windows-1252, Shift_JIS) first: this package sees UTF-8.
package flatfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
)

// DefaultMaxLineBytes bounds a line when Reader.MaxLineBytes is 0.
const DefaultMaxLineBytes = 4 << 20

// ErrTooManyFields is wrapped by the error of a row with more fields than
// the header.
var ErrTooManyFields = errors.New("more fields than the header")

// ErrLineTooLong is wrapped by the error of a line longer than MaxLineBytes.
var ErrLineTooLong = errors.New("line too long")

// Reader reads a flat file: the header line, then a row per line.
type Reader struct {
	// MaxLineBytes bounds the length of a line (without its end), so that a
	// document that is not a flat file cannot take all memory; 0 means
	// DefaultMaxLineBytes. Set it before the first read.
	MaxLineBytes int

	br     *bufio.Reader
	line   int // number of the last line read, from 1
	header []string
	index  map[string]int
	hdrErr error
	read   bool // the header was read (or failed)
	fatal  error
	buf    []byte
}

// NewReader returns a Reader of r. It reads nothing until Header or Next.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 64<<10)}
}

// Header returns the column names of the first line, reading it if need
// be. An empty document gives io.EOF.
func (r *Reader) Header() ([]string, error) {
	if !r.read {
		r.read = true
		line, err := r.nextLine()
		if err != nil {
			r.hdrErr = err
		} else {
			r.header = strings.Split(line, "\t")
			r.index = make(map[string]int, len(r.header))
			for i, name := range r.header {
				if _, dup := r.index[name]; !dup {
					r.index[name] = i
				}
			}
		}
	}
	return r.header, r.hdrErr
}

// Next returns the next row, or io.EOF after the last. A row with more
// fields than the header returns an error wrapping ErrTooManyFields that
// names its line; reading may go on with the next row. A read error or a
// line longer than MaxLineBytes ends the reading: every later call returns
// it again.
func (r *Reader) Next() (Row, error) {
	if _, err := r.Header(); err != nil {
		return Row{}, err
	}
	line, err := r.nextLine()
	if err != nil {
		return Row{}, err
	}
	fields := strings.Split(line, "\t")
	if len(fields) > len(r.header) {
		return Row{}, fmt.Errorf("flatfile: line %d: %d fields, the header has %d: %w", r.line, len(fields), len(r.header), ErrTooManyFields)
	}
	return Row{Line: r.line, fields: fields, r: r}, nil
}

// All iterates over the rows: each row with a nil error, or a row's error
// (the iteration goes on after ErrTooManyFields, and ends after any other
// error). It ends at the end of the document.
func (r *Reader) All() iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		for {
			row, err := r.Next()
			if err == io.EOF {
				return
			}
			if !yield(row, err) {
				return
			}
			if err != nil && !errors.Is(err, ErrTooManyFields) {
				return
			}
		}
	}
}

// nextLine reads the next non-blank line without its end, as a string.
func (r *Reader) nextLine() (string, error) {
	if r.fatal != nil {
		return "", r.fatal
	}
	max := r.MaxLineBytes
	if max <= 0 {
		max = DefaultMaxLineBytes
	}
	for {
		r.buf = r.buf[:0]
		eof := false
		for {
			chunk, err := r.br.ReadSlice('\n')
			if len(r.buf)+len(chunk) > max+2 { // +2: the line's end
				r.line++
				r.fatal = fmt.Errorf("flatfile: line %d: longer than %d bytes: %w", r.line, max, ErrLineTooLong)
				return "", r.fatal
			}
			r.buf = append(r.buf, chunk...)
			if err == bufio.ErrBufferFull {
				continue
			}
			if err == io.EOF {
				eof = true
				break
			}
			if err != nil {
				r.fatal = fmt.Errorf("flatfile: after line %d: %w", r.line, err)
				return "", r.fatal
			}
			break
		}
		if eof && len(r.buf) == 0 {
			r.fatal = io.EOF
			return "", io.EOF
		}
		r.line++
		b := bytes.TrimSuffix(r.buf, []byte("\n"))
		b = bytes.TrimSuffix(b, []byte("\r"))
		if r.line == 1 {
			b = bytes.TrimPrefix(b, []byte("\uFEFF"))
		}
		if len(b) > max {
			r.fatal = fmt.Errorf("flatfile: line %d: longer than %d bytes: %w", r.line, max, ErrLineTooLong)
			return "", r.fatal
		}
		if len(b) == 0 {
			if eof {
				r.fatal = io.EOF
				return "", io.EOF
			}
			continue
		}
		return string(b), nil
	}
}

// Row is one line of the file after the header.
type Row struct {
	// Line is the row's line number in the file, the header being line 1.
	Line   int
	fields []string
	r      *Reader
}

// Get returns the field of the column named name (the first such column),
// or "" if the row has no such column or the field is empty.
func (row Row) Get(name string) string {
	v, _ := row.Lookup(name)
	return v
}

// Lookup returns the field of the column named name and whether the header
// has that column.
func (row Row) Lookup(name string) (string, bool) {
	if row.r == nil {
		return "", false
	}
	i, ok := row.r.index[name]
	if !ok {
		return "", false
	}
	if i < len(row.fields) {
		return row.fields[i], true
	}
	return "", true
}

// Values returns the row's fields in header order, one per column (missing
// trailing fields as ""). The slice is the caller's.
func (row Row) Values() []string {
	if row.r == nil {
		return nil
	}
	out := make([]string, len(row.r.header))
	copy(out, row.fields)
	return out
}

// Map returns the row as column name -> field (the first of duplicate
// column names).
func (row Row) Map() map[string]string {
	if row.r == nil {
		return nil
	}
	m := make(map[string]string, len(row.r.index))
	for name := range row.r.index {
		m[name] = row.Get(name)
	}
	return m
}
