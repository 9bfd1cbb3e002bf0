package main

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
)

// The parts of VMware's Virtual Disk Format 5.0 a streamOptimized VMDK (the body of an NFC
// upload) is made of: a sparse extent header, then markers, each at a sector boundary.
const (
	sectorSize         = 512
	sparseMagic        = 0x564d444b // "KDMV" read as a little-endian uint32
	flagCompressed     = 0x10000
	flagMarkers        = 0x20000
	compressionDeflate = 1
	markerEOS          = 0
	markerGrainTable   = 1
	markerGrainDir     = 2
	markerFooter       = 3
	// maxGrainSectors bounds the memory of one upload: a grain is decompressed whole.
	maxGrainSectors = 2048
)

// badStream is an upload that is not a streamOptimized VMDK the disk can take; the uploader gets
// HTTP 400 with its reason.
type badStream struct{ reason string }

func (b *badStream) Error() string { return b.reason }

func malformed(format string, args ...interface{}) error {
	return &badStream{reason: fmt.Sprintf(format, args...)}
}

// streamReader decodes a streamOptimized VMDK as it arrives, front to back: it never seeks and
// holds one grain at a time, so uploads of any size take bounded memory.
type streamReader struct {
	in       *bufio.Reader
	offset   int64 // bytes of the stream consumed
	capacity int64 // the disk's capacity in bytes: no grain may start at or beyond it
	grain    []byte
	zero     []byte
	inflater io.ReadCloser
}

func newStreamReader(body io.Reader, capacity int64) *streamReader {
	return &streamReader{in: bufio.NewReaderSize(body, 64<<10), capacity: capacity}
}

// readFull reads len(p) bytes; a stream that ends first is malformed (what lacks is named by
// what), other read errors (a broken connection) are returned as they are.
func (s *streamReader) readFull(p []byte, what string) error {
	n, err := io.ReadFull(s.in, p)
	s.offset += int64(n)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return malformed("the stream ends at byte %d inside %s, without an end-of-stream marker", s.offset, what)
	}
	return err
}

func (s *streamReader) skip(n int64, what string) error {
	skipped, err := io.CopyN(io.Discard, s.in, n)
	s.offset += skipped
	if err == io.EOF {
		return malformed("the stream ends at byte %d inside %s, without an end-of-stream marker", s.offset, what)
	}
	return err
}

// readHeader checks the sparse extent header and skips to the first marker.
func (s *streamReader) readHeader() error {
	header := make([]byte, sectorSize)
	if err := s.readFull(header, "the header"); err != nil {
		return err
	}
	le := binary.LittleEndian
	if magic := le.Uint32(header[0:]); magic != sparseMagic {
		return malformed("not a sparse VMDK: magic 0x%08x instead of 0x%08x (\"KDMV\")", magic, sparseMagic)
	}
	version := le.Uint32(header[4:])
	flags := le.Uint32(header[8:])
	capacitySectors := le.Uint64(header[12:])
	grainSectors := le.Uint64(header[20:])
	overhead := le.Uint64(header[64:])
	compression := le.Uint16(header[77:])
	switch {
	case version < 1 || version > 3:
		return malformed("unsupported sparse VMDK version %d", version)
	case flags&flagCompressed == 0 || flags&flagMarkers == 0:
		return malformed("not a streamOptimized VMDK: flags 0x%x lack compressed grains (0x%x) and markers (0x%x)",
			flags, flagCompressed, flagMarkers)
	case compression != compressionDeflate:
		return malformed("unsupported grain compression %d (only 1, deflate)", compression)
	case grainSectors < 8 || grainSectors > maxGrainSectors || grainSectors&(grainSectors-1) != 0:
		return malformed("grain size of %d sectors is not a power of two from 8 to %d", grainSectors, maxGrainSectors)
	case capacitySectors > uint64(s.capacity+sectorSize-1)/sectorSize:
		return malformed("the stream's capacity of %d sectors exceeds the disk's %d bytes", capacitySectors, s.capacity)
	case overhead < 1:
		return malformed("the header's overhead of %d sectors does not cover the header", overhead)
	}
	s.grain = make([]byte, grainSectors*sectorSize)
	s.zero = make([]byte, len(s.grain))
	return s.skip(int64(overhead-1)*sectorSize, "the descriptor")
}

// copyGrains writes each grain's bytes at its offset in out until the end-of-stream marker,
// leaving all-zero grains unwritten so that a sparse file stays sparse. It returns the number of
// grains written.
func (s *streamReader) copyGrains(out io.WriterAt) (int64, error) {
	le := binary.LittleEndian
	marker := make([]byte, sectorSize)
	var written int64
	for {
		start := s.offset
		if err := s.readFull(marker[:12], "a marker"); err != nil {
			return written, err
		}
		value, size := le.Uint64(marker[0:]), le.Uint32(marker[8:])
		if size > 0 {
			wrote, err := s.copyGrain(out, start, value, int64(size))
			if wrote {
				written++
			}
			if err != nil {
				return written, err
			}
			continue
		}
		if err := s.readFull(marker[12:], "a marker"); err != nil {
			return written, err
		}
		switch kind := le.Uint32(marker[12:]); kind {
		case markerEOS:
			return written, nil
		case markerGrainTable, markerGrainDir:
			// Only grain markers carry data; the tables index them for readers that seek.
			if err := s.skip(int64(value)*sectorSize, "a grain table or directory"); err != nil {
				return written, err
			}
		case markerFooter:
			if value != 1 {
				return written, malformed("footer marker at byte %d spans %d sectors instead of 1", start, value)
			}
			if err := s.readFull(marker, "the footer"); err != nil {
				return written, err
			}
			if magic := le.Uint32(marker[0:]); magic != sparseMagic {
				return written, malformed("footer at byte %d: magic 0x%08x instead of 0x%08x", start+sectorSize, magic, sparseMagic)
			}
		default:
			return written, malformed("unknown marker type %d at byte %d", kind, start)
		}
	}
}

// copyGrain decodes the grain whose marker started at byte start, and the sector padding after
// it. wrote says whether its bytes went to out (all-zero grains do not).
func (s *streamReader) copyGrain(out io.WriterAt, start int64, lba uint64, size int64) (wrote bool, err error) {
	grainSectors := uint64(len(s.grain) / sectorSize)
	switch {
	case lba%grainSectors != 0:
		return false, malformed("grain marker at byte %d: sector %d is not at a grain boundary (%d sectors)", start, lba, grainSectors)
	case lba >= uint64(s.capacity)/sectorSize:
		return false, malformed("grain marker at byte %d: sector %d is beyond the disk's %d bytes", start, lba, s.capacity)
	case size > int64(len(s.grain))*2+1024:
		return false, malformed("grain marker at byte %d: %d compressed bytes for a grain of %d", start, size, len(s.grain))
	}
	source := &grainSource{in: s.in, left: size}
	if s.inflater == nil {
		s.inflater, err = zlib.NewReader(source)
	} else {
		err = s.inflater.(zlib.Resetter).Reset(source, nil)
	}
	n := 0
	if err == nil {
		n, err = inflateGrain(s.inflater, s.grain)
	}
	s.offset += size - source.left
	if err != nil {
		switch {
		case source.err == io.EOF:
			return false, malformed("the stream ends at byte %d inside the grain at sector %d, without an end-of-stream marker", s.offset, lba)
		case source.err != nil:
			return false, source.err
		}
		return false, malformed("grain at sector %d (marker at byte %d): %v", lba, start, err)
	}
	// The rest of the declared size (normally none) and the padding to the next sector.
	padding := (sectorSize - (12+size)%sectorSize) % sectorSize
	if err := s.skip(source.left+padding, "a grain's padding"); err != nil {
		return false, err
	}
	offset := int64(lba) * sectorSize
	if rest := s.capacity - offset; int64(n) > rest {
		n = int(rest) // the last grain may be padded beyond an odd capacity
	}
	if bytes.Equal(s.grain[:n], s.zero[:n]) {
		return false, nil
	}
	if _, err := out.WriteAt(s.grain[:n], offset); err != nil {
		return false, err
	}
	return true, nil
}

// inflateGrain decompresses one zlib stream into grain; more than a grain is an error.
func inflateGrain(inflater io.Reader, grain []byte) (int, error) {
	n := 0
	for n < len(grain) {
		read, err := inflater.Read(grain[n:])
		n += read
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
	var extra [1]byte
	for {
		read, err := inflater.Read(extra[:])
		if read > 0 {
			return n, fmt.Errorf("it inflates to more than %d bytes", len(grain))
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// grainSource hands the inflater exactly a grain marker's compressed bytes and remembers why the
// stream below failed, to tell a corrupt grain from a truncated stream or a broken connection.
type grainSource struct {
	in   io.Reader
	left int64
	err  error
}

func (g *grainSource) Read(p []byte) (int, error) {
	if g.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > g.left {
		p = p[:g.left]
	}
	n, err := g.in.Read(p)
	g.left -= int64(n)
	if err != nil {
		g.err = err
		if err == io.EOF {
			return n, io.ErrUnexpectedEOF
		}
	}
	return n, err
}
