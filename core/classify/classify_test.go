package classify

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/oxdrop/oxdrop/core/model"
)

// pad makes a head of at least n bytes starting with prefix (zeros after).
func pad(prefix string, n int) []byte {
	b := make([]byte, max(n, len(prefix)))
	copy(b, prefix)
	return b
}

// put writes s at off into b, growing it as needed.
func put(b []byte, off int, s string) []byte {
	if need := off + len(s); need > len(b) {
		b = append(b, make([]byte, need-len(b))...)
	}
	copy(b[off:], s)
	return b
}

func ftypBox(major string, compat ...string) []byte {
	n := 16 + 4*len(compat)
	b := make([]byte, 0, n+16)
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	b = append(b, "ftyp"+major+"\x00\x00\x00\x00"...)
	for _, c := range compat {
		b = append(b, c...)
	}
	return append(b, make([]byte, 16)...)
}

// ooxml builds the start of a zip whose entries are names, each a local
// header (30 bytes) followed by the name and 40 bytes of stored data.
func ooxml(names ...string) []byte {
	var b []byte
	for _, n := range names {
		h := make([]byte, 30)
		copy(h, "PK\x03\x04")
		binary.LittleEndian.PutUint32(h[18:], 40)
		binary.LittleEndian.PutUint16(h[26:], uint16(len(n)))
		b = append(b, h...)
		b = append(b, n...)
		b = append(b, bytes.Repeat([]byte{'d'}, 40)...)
	}
	return append(b, make([]byte, 64)...)
}

// cfbFile builds a minimal v3 compound file (header, one FAT sector, one
// directory sector) whose root entry has the given CLSID.
func cfbFile(clsid [16]byte) []byte {
	b := make([]byte, 512*3)
	copy(b, oleMagic)
	le := binary.LittleEndian
	le.PutUint16(b[0x18:], 0x3E)
	le.PutUint16(b[0x1A:], 3)
	le.PutUint16(b[0x1C:], 0xFFFE)
	le.PutUint16(b[0x1E:], 9)
	le.PutUint16(b[0x20:], 6)
	le.PutUint32(b[0x2C:], 1)          // one FAT sector
	le.PutUint32(b[0x30:], 1)          // directory at sector 1
	le.PutUint32(b[0x38:], 4096)       // mini stream cutoff
	le.PutUint32(b[0x3C:], 0xFFFFFFFE) // no mini FAT
	le.PutUint32(b[0x44:], 0xFFFFFFFE) // no DIFAT sectors
	le.PutUint32(b[0x4C:], 0)          // FAT at sector 0
	for i := 1; i < 109; i++ {
		le.PutUint32(b[0x4C+4*i:], 0xFFFFFFFF)
	}
	fat := b[512:1024]
	for i := 0; i < 128; i++ {
		le.PutUint32(fat[4*i:], 0xFFFFFFFF)
	}
	le.PutUint32(fat[0:], 0xFFFFFFFD) // FAT sector
	le.PutUint32(fat[4:], 0xFFFFFFFE) // directory: end of chain
	dir := b[1024:]
	copy(dir, "R\x00o\x00o\x00t\x00")
	dir[0x42] = 5 // root storage
	copy(dir[0x50:], clsid[:])
	return b
}

func TestMimeMatchers(t *testing.T) {
	tarHead := put(pad("name", 300), 257, "ustar")
	dicom := put(pad("", 140), 128, "DICM")
	epub := put(pad("PK\x03\x04", 60), 30, "mimetypeapplication/epub+zip")
	ora := put(pad("PK\x03\x04", 60), 30, "mimetypeimage/openraster")
	mobi := put(pad("", 70), 60, "BOOKMOBI")
	dex := put(pad("dex\n035\x00", 40), 36, "\x70")
	dey := put(put(pad("dey\n", 110), 40, "dex\n"), 76, "\x70")
	odt := put(put(pad("PK\x03\x04", 100), 0x1E, "mimetype"), 0x32, "vnd.oasis.opendocument.text")
	ods := put(put(pad("PK\x03\x04", 100), 0x1E, "mimetype"), 0x32, "vnd.oasis.opendocument.spreadsheet")
	odp := put(put(pad("PK\x03\x04", 100), 0x1E, "mimetype"), 0x32, "vnd.oasis.opendocument.presentation")
	eot := put(put(pad("", 40), 8, "\x02\x00\x01"), 34, "LP")
	zstdSkip := append(append([]byte("\x50\x2a\x4d\x18\x02\x00\x00\x00ab"), "\x28\xb5\x2f\xfd"...), 0)
	cases := []struct {
		name string
		head []byte
		want string
	}{
		{"wasm", []byte("\x00asm\x01\x00\x00\x00"), "application/wasm"},
		{"elf", pad("\x7fELF", 53), "application/x-executable"},
		{"elf too short is not elf", pad("\x7fELF", 52), "text/plain"},
		{"exe", []byte("MZ"), "application/vnd.microsoft.portable-executable"},
		{"java", []byte("\xca\xfe\xba\xbe\x00\x00\x00\x34"), "application/java"},
		{"fat mach-o", []byte("\xca\xfe\xba\xbe\x00\x00\x00\x02"), "application/x-mach-binary"},
		{"mach-o 64", []byte("\xcf\xfa\xed\xfe"), "application/x-mach-binary"},
		{"mach-o be", []byte("\xfe\xed\xfa\xce"), "application/x-mach-binary"},
		{"llvm", []byte("BC"), "application/x-llvm"},
		{"dex", dex, "application/vnd.android.dex"},
		{"dey", dey, "application/vnd.android.dey"},
		{"der", []byte("\x30\x82\x01"), "application/x-x509-ca-cert"},
		{"coff x64", []byte("\x64\x86\x00"), "application/x-executable"},
		{"coff i386", []byte("\x4c\x01\x00"), "application/x-executable"},
		{"pem", []byte("-----BEGIN CERTIFICATE-----"), "application/x-x509-ca-cert"},
		{"epub", epub, "application/epub+zip"},
		{"mobi", mobi, "application/x-mobipocket-ebook"},
		{"jpeg", []byte("\xff\xd8\xff\xe0"), "image/jpeg"},
		{"jp2", []byte("\x00\x00\x00\x0cjP  \r\n\x87\n\x00\x00"), "image/jp2"},
		{"png", []byte("\x89PNG"), "image/png"},
		{"gif", []byte("GIF8"), "image/gif"},
		{"webp without RIFF", []byte("XXXX\x00\x00\x00\x00WEBP"), "image/webp"},
		{"cr2", []byte("II*\x00\x10\x00\x00\x00CR\x02\x00"), "image/x-canon-cr2"},
		{"tiff le", []byte("II*\x00\x08\x00\x00\x00\x00\x00"), "image/tiff"},
		{"tiff be", []byte("MM\x00*\x00\x00\x00\x08\x00\x00"), "image/tiff"},
		{"tiff with C at 8 is neither", []byte("II*\x00\x08\x00\x00\x00C\x00\x00"), "text/plain"},
		{"bmp", []byte("BM"), "image/bmp"},
		{"jxr", []byte("II\xbc"), "image/vnd.ms-photo"},
		{"psd", []byte("8BPS"), "image/vnd.adobe.photoshop"},
		{"ico", []byte("\x00\x00\x01\x00"), "image/vnd.microsoft.icon"},
		{"heif", ftypBox("heic"), "image/heif"},
		{"heif mif1+heic", ftypBox("mif1", "mif1", "heic"), "image/heif"},
		{"avif", ftypBox("avif"), "image/avif"},
		{"avif compatible", ftypBox("mif1", "avif"), "image/avif"},
		{"jxl codestream", []byte("\xff\x0a\x00"), "image/jxl"},
		{"jxl container", []byte("\x00\x00\x00\x0cJXL \r\n\x87\n\x00"), "image/jxl"},
		{"openraster", ora, "image/openraster"},
		{"djvu", []byte("AT&TFORM\x00\x00\x00\x00DJVU"), "image/vnd.djvu"},
		{"mp4 isom", ftypBox("isom"), "video/mp4"},
		{"mp4 F4V", ftypBox("F4V "), "video/mp4"},
		{"m4v", ftypBox("M4V "), "video/x-m4v"},
		{"mkv", []byte("\x1a\x45\xdf\xa3\x93\x42\x82\x88matroska"), "video/x-matroska"},
		{"webm", []byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81"), "video/webm"},
		{"mov qt", ftypBox("qt  "), "video/quicktime"},
		{"mov moov", pad("\x00\x00\x00\x08moov", 16), "video/quicktime"},
		{"mov mdat at 12", put(pad("\x00\x00\x00\x08wide", 16), 12, "mdat"), "video/quicktime"},
		{"avi", []byte("RIFF\x00\x00\x00\x00AVI "), "video/x-msvideo"},
		{"wmv", []byte("\x30\x26\xb2\x75\x8e\x66\xcf\x11\xa6\xd9"), "video/x-ms-wmv"},
		{"mpeg", []byte("\x00\x00\x01\xba"), "video/mpeg"},
		{"flv", []byte("FLV\x01"), "video/x-flv"},
		{"midi", []byte("MThd"), "audio/midi"},
		{"mp3 id3", []byte("ID3"), "audio/mpeg"},
		{"mp3 frame", []byte("\xff\xfb\x90"), "audio/mpeg"},
		{"m4a", ftypBox("M4A "), "audio/m4a"},
		{"opus", put(pad("OggS", 40), 28, "OpusHead"), "audio/opus"},
		{"ogg", []byte("OggS"), "audio/ogg"},
		{"flac", []byte("fLaC"), "audio/x-flac"},
		{"wav", []byte("RIFF\x00\x00\x00\x00WAVE"), "audio/x-wav"},
		{"amr", []byte("#!AMR\n\x00\x00\x00\x00\x00\x00"), "audio/amr"},
		{"aac", []byte("\xff\xf1"), "audio/aac"},
		{"aiff", []byte("FORM\x00\x00\x00\x00AIFF"), "audio/x-aiff"},
		{"dsf", []byte("DSD \x00"), "audio/x-dsf"},
		{"ape", []byte("MAC \x00"), "audio/x-ape"},
		{"woff", []byte("wOFF\x00\x01\x00\x00"), "application/font-woff"},
		{"woff2", []byte("wOF2\x00\x01\x00\x00"), "application/font-woff"},
		{"ttf", []byte("\x00\x01\x00\x00\x00"), "application/font-sfnt"},
		{"otf", []byte("OTTO\x00"), "application/font-sfnt"},
		{"doc", cfbFile(clsidWord), "application/msword"},
		{"xls", cfbFile(clsidExcel8), "application/vnd.ms-excel"},
		{"ppt", cfbFile(clsidPPT), "application/vnd.ms-powerpoint"},
		{"ole2 unknown clsid is msi", cfbFile([16]byte{1}), "application/x-ole-storage"},
		{"doc whose FAT outgrows the head is msi", func() []byte {
			// Like a real document longer than 8192 bytes: its FAT maps
			// sectors the head does not hold, so cfb refuses to open it.
			b := cfbFile(clsidWord)
			binary.LittleEndian.PutUint32(b[512+4*2:], 40)
			binary.LittleEndian.PutUint32(b[512+4*40:], 0xFFFFFFFE)
			return b
		}(), "application/x-ole-storage"},
		{"doc with a sector pointed to twice is msi", func() []byte {
			b := cfbFile(clsidWord)
			binary.LittleEndian.PutUint32(b[512+4*2:], 1)
			binary.LittleEndian.PutUint32(b[512+4*3:], 1)
			return append(b, make([]byte, 1024)...)
		}(), "application/x-ole-storage"},
		{"doc whose root is not a root entry is msi", func() []byte {
			b := cfbFile(clsidWord)
			b[1024+0x42] = 1
			return b
		}(), "application/x-ole-storage"},
		{"docx first entry", ooxml("word/document.xml"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"xlsx", ooxml("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{"pptx", ooxml("[Content_Types].xml", "_rels/.rels", "ppt/presentation.xml", "ppt/slides/slide1.xml"), "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
		{"kind from the 4th entry when it has one", ooxml("[Content_Types].xml", "_rels/.rels", "xl/a.xml", "word/document.xml"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"ooxml with 3 entries is zip (infer returns OOXML)", ooxml("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"), "application/zip"},
		{"ooxml of no kind is zip", ooxml("[Content_Types].xml", "_rels/.rels", "other/x.xml"), "application/zip"},
		{"odt", odt, "application/vnd.oasis.opendocument.text"},
		{"ods", ods, "application/vnd.oasis.opendocument.spreadsheet"},
		{"odp", odp, "application/vnd.oasis.opendocument.presentation"},
		{"zip", []byte("PK\x03\x04"), "application/zip"},
		{"zip empty", []byte("PK\x05\x06"), "application/zip"},
		{"zip winzip", []byte("PK00PK\x03\x04"), "application/zip"},
		{"tar", tarHead, "application/x-tar"},
		{"rar", []byte("Rar!\x1a\x07\x00"), "application/vnd.rar"},
		{"gzip", []byte("\x1f\x8b\x08"), "application/gzip"},
		{"bzip2", []byte("BZh9"), "application/x-bzip2"},
		{"7z", []byte("7z\xbc\xaf\x27\x1c"), "application/x-7z-compressed"},
		{"xz", []byte("\xfd7zXZ\x00"), "application/x-xz"},
		{"pdf", []byte("%PDF-1.7"), "application/pdf"},
		{"swf", []byte("FWS"), "application/x-shockwave-flash"},
		{"rtf", []byte(`{\rtf1`), "application/rtf"},
		{"eot", eot, "application/octet-stream"},
		{"postscript", []byte("%!PS"), "application/postscript"},
		{"sqlite", []byte("SQLite format 3\x00"), "application/vnd.sqlite3"},
		{"nes", []byte("NES\x1a"), "application/x-nintendo-nes-rom"},
		{"crx", []byte("Cr24"), "application/x-google-chrome-extension"},
		{"cab", []byte("MSCF"), "application/vnd.ms-cab-compressed"},
		{"cab installshield", []byte("ISc("), "application/vnd.ms-cab-compressed"},
		{"deb", []byte("!<arch>\ndebian-binary"), "application/vnd.debian.binary-package"},
		{"ar", []byte("!<arch>\n"), "application/x-unix-archive"},
		{"compress", []byte("\x1f\x9d"), "application/x-compress"},
		{"lzip", []byte("LZIP"), "application/x-lzip"},
		{"rpm", pad("\xed\xab\xee\xdb", 97), "application/x-rpm"},
		{"dicom", dicom, "application/dicom"},
		{"zstd", []byte("\x28\xb5\x2f\xfd"), "application/zstd"},
		{"zstd after skippable frame", zstdSkip, "application/zstd"},
		{"cpio", []byte("070701ABCD"), "application/x-cpio"},
		{"cpio newc needs 7 bytes", []byte("070701"), "text/plain"},
		{"cpio old", []byte("\xc7\x71"), "application/x-cpio"},
		{"html", []byte("  <!doctype html><html>"), "text/html"},
		{"html tag needs terminator", []byte("<htmlx"), "text/plain"},
		{"html p", []byte("<p>hi"), "text/html"},
		{"html comment", []byte("\n<!-- x -->"), "text/html"},
		{"xml", []byte("\xef\xbb\xbf<?xml version"), "text/xml"},
		{"xml space then BOM", []byte(" \xef\xbb\xbf<?XML "), "text/xml"},
		{"shell", []byte("#!/bin/sh"), "text/x-shellscript"},
		{"shell too short", []byte("#!"), "text/plain"},
		// Traps: text that infer names by magic.
		{"trap MZ", []byte("MZ is a postcode"), "application/vnd.microsoft.portable-executable"},
		{"trap BM", []byte("BMW"), "image/bmp"},
		{"trap BC", []byte("BC"), "application/x-llvm"},
		{"trap GIF", []byte("GIFs are fun"), "image/gif"},
		{"trap %!", []byte("%!PS-Adobe"), "application/postscript"},
		{"trap ID3", []byte("ID3 tags"), "audio/mpeg"},
		{"trap MThd", []byte("MThd"), "audio/midi"},
		{"trap OggS", []byte("OggS"), "audio/ogg"},
		{"trap 070701", []byte("0707010"), "application/x-cpio"},
		{"trap BZh", []byte("BZh"), "application/x-bzip2"},
		{"trap CWS", []byte("CWS"), "application/x-shockwave-flash"},
		{"trap DSD needs 5 bytes", []byte("DSD "), "text/plain"},
		{"plain", []byte("hello"), "text/plain"},
		{"empty", nil, "text/plain"},
		{"binary", []byte{0xff, 0xfe, 0x00}, "application/octet-stream"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Mime(c.head, "file.bin"); got != c.want {
				t.Errorf("Mime(% x...) = %q, want %q", c.head[:min(len(c.head), 16)], got, c.want)
			}
		})
	}
}

// Every row of the table must be reachable by some test head above, and the
// order must be infer's: a few order-sensitive pairs.
func TestMatcherOrder(t *testing.T) {
	if n := len(matchers); n != 93 {
		t.Errorf("infer 0.16 has 93 matchers, table has %d", n)
	}
	idx := func(mime string) int {
		for i, m := range matchers {
			if m.mime == mime {
				return i
			}
		}
		t.Fatalf("%s not in table", mime)
		return -1
	}
	for _, p := range [][2]string{
		{"audio/opus", "audio/ogg"}, {"application/epub+zip", "application/zip"},
		{"video/x-matroska", "video/webm"}, {"image/x-canon-cr2", "image/tiff"},
		{"application/msword", "application/x-ole-storage"},
		{"application/vnd.debian.binary-package", "application/x-unix-archive"},
		{"text/html", "text/xml"},
	} {
		if idx(p[0]) >= idx(p[1]) {
			t.Errorf("%s must come before %s", p[0], p[1])
		}
	}
}

func TestMimeFallbacks(t *testing.T) {
	big := bytes.Repeat([]byte("a"), 4095)
	cases := []struct {
		name string
		head []byte
		file string
		want string
	}{
		{"md", []byte("# hi"), "README.md", "text/markdown"},
		{"MD any case", []byte("# hi"), "notes.Md", "text/markdown"},
		{"md binary still markdown", []byte{0xff}, "x.md", "text/markdown"},
		{"magic wins over md", []byte("GIF89a"), "x.md", "image/gif"},
		{"dot md dotfile is no extension", []byte("x"), ".md", "text/plain"},
		{"utf8 multibyte", []byte("héllo ✓"), "a", "text/plain"},
		{"BOM", []byte("\xef\xbb\xbfhello"), "a", "text/plain"},
		{"CRLF", []byte("a\r\nb\r\n"), "a", "text/plain"},
		{"cut at 4096 inside a rune", append(append([]byte{}, big...), "é"...), "a", "text/plain"},
		{"cut at 4096 inside a 4-byte rune", append(bytes.Repeat([]byte("a"), 4094), "😀"...), "a", "text/plain"},
		{"invalid after 4096", append(append(bytes.Repeat([]byte("a"), 4096), 0xff), "x"...), "a", "text/plain"},
		{"invalid before 4096", append(append(bytes.Repeat([]byte("a"), 4000), 0xff), "x"...), "a", "application/octet-stream"},
		{"truncated rune at end of short file", []byte("ab\xe2\x9c"), "a", "text/plain"},
		{"bad continuation at end", []byte("ab\xe0\x80"), "a", "application/octet-stream"},
		{"surrogate", []byte("\xed\xa0\x80"), "a", "application/octet-stream"},
		{"NUL is valid utf8", []byte("a\x00b"), "a", "text/plain"},
		{"latin1", []byte("caf\xe9 au lait"), "a", "application/octet-stream"},
		{"magic beyond 8192 ignored", append(bytes.Repeat([]byte(" "), 8192), "<html>"...), "a", "text/plain"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Mime(c.head, c.file); got != c.want {
				t.Errorf("Mime(%q) = %q, want %q", c.file, got, c.want)
			}
		})
	}
}

func TestExtension(t *testing.T) {
	cases := map[string]string{
		"a.txt": "txt", "dir/a.tar.gz": "gz", "X.CSV": "CSV", "README": "", ".bashrc": "",
		".bashrc.txt": "txt", "a.": "", "..": "", "dir.d/file": "", "sft 100.parquet": "parquet",
		"données/été.Jpeg": "Jpeg", "dir/": "", "dir/.git": "", "...": "", "a..b": "b",
	}
	for name, want := range cases {
		if got := Extension(name); got != want {
			t.Errorf("Extension(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestDataType(t *testing.T) {
	cases := []struct {
		name, mime, head string
		want             model.DataType
	}{
		{"a.jpg", "image/jpeg", "", model.Image},
		{"a.csv", "image/png", "", model.Image}, // exact table wins over extension
		{"a.cr2", "image/x-canon-cr2", "", model.Image},
		{"a.heic", "image/heif", "", model.Image},
		{"a.ico", "image/vnd.microsoft.icon", "", model.Image}, // by prefix
		{"a.jxl", "image/jxl", "", model.Image},
		{"a.mkv", "video/x-matroska", "", model.Video},
		{"a.opus", "audio/opus", "", model.Audio}, // by prefix
		{"a.amr", "audio/amr", "", model.Audio},
		{"a.flac", "audio/x-flac", "", model.Audio},
		{"a.csv", "text/plain", "a,b", model.Tabular},
		{"A.CSV", "text/plain", "a,b", model.Tabular},
		{"a.TSV", "text/plain", "", model.Tabular},
		{"a.parquet", "application/octet-stream", "PAR1", model.Tabular},
		{"a.Arrow", "application/octet-stream", "", model.Tabular},
		{"a.ndjson", "text/plain", "{}", model.Tabular},
		{"a.jsonl", "text/plain", "{}", model.Tabular},
		{"a.json", "text/plain", "[1]", model.Tabular},
		{"a.json", "text/plain", " [1]", model.Text}, // no whitespace skipping
		{"a.json", "text/plain", "{}", model.Text},
		{"a.json", "text/plain", "", model.Text},
		{"a.JSON", "text/plain", "[1]", model.Text}, // json is case-sensitive
		{"a.csv", "application/pdf", "%PDF", model.Tabular},
		{"a.txt", "text/plain", "", model.Text},
		{"a.md", "text/markdown", "", model.Text},
		{"a.html", "text/html", "", model.Text},
		{"a.sh", "text/x-shellscript", "", model.Text},
		{"a.zip", "application/zip", "", model.Binary},
		{"a", "application/octet-stream", "", model.Binary},
		{"a", "application/vnd.microsoft.portable-executable", "MZ", model.Binary},
	}
	for _, c := range cases {
		if got := DataType(c.name, c.mime, []byte(c.head)); got != c.want {
			t.Errorf("DataType(%q, %q, %q) = %q, want %q", c.name, c.mime, c.head, got, c.want)
		}
	}
}

func TestIsUTF8OnlyFirst4096(t *testing.T) {
	b := []byte(strings.Repeat("x", 4096) + "\xff")
	if !IsUTF8(b) {
		t.Error("a bad byte at 4096 must not count")
	}
	if IsUTF8(b[1:]) {
		t.Error("a bad byte at 4095 must count")
	}
}
