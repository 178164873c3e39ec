package classify

import (
	"bytes"
	"encoding/binary"
)

// matcher is one row of infer 0.16's MATCHER_MAP: the first row (in table
// order) whose predicate accepts the head gives the mime type. The length
// conditions are part of each predicate and copied exactly, because they
// decide the answer for short files ("GIF" alone is not a gif, "GIF8" is).
type matcher struct {
	mime  string
	match func(b []byte) bool
}

// matchers is infer 0.16's table, in its order: application, book, image,
// video, audio, font, document, archive, text.
var matchers = []matcher{
	// Application
	{"application/wasm", func(b []byte) bool { return len(b) >= 8 && hasPrefix(b, "\x00asm\x01\x00\x00\x00") }},
	{"application/x-executable", func(b []byte) bool { return len(b) > 52 && hasPrefix(b, "\x7fELF") }},
	{"application/vnd.microsoft.portable-executable", isExe}, // exe
	{"application/vnd.microsoft.portable-executable", isExe}, // dll: the same test
	{"application/java", isJava},
	{"application/x-llvm", func(b []byte) bool { return len(b) >= 2 && hasPrefix(b, "BC") }},
	{"application/x-mach-binary", isMach},
	{"application/vnd.android.dex", isDex},
	{"application/vnd.android.dey", func(b []byte) bool {
		return len(b) > 100 && hasPrefix(b, "dey\n") && isDex(b[40:100])
	}},
	{"application/x-x509-ca-cert", func(b []byte) bool { return len(b) > 2 && b[0] == 0x30 && b[1] == 0x82 }}, // der
	{"application/x-executable", func(b []byte) bool { // coff: x64, i386, ia64
		return len(b) > 2 && (b[0] == 0x64 && b[1] == 0x86 || b[0] == 0x4C && b[1] == 0x01 || b[0] == 0x00 && b[1] == 0x02)
	}},
	{"application/x-x509-ca-cert", func(b []byte) bool { return len(b) > 11 && hasPrefix(b, "-----BEGIN ") }}, // pem
	// Book
	{"application/epub+zip", isEpub},
	{"application/x-mobipocket-ebook", func(b []byte) bool { return len(b) > 67 && at(b, 60, "BOOKMOBI") }},
	// Image
	{"image/jpeg", func(b []byte) bool { return len(b) > 2 && hasPrefix(b, "\xff\xd8\xff") }},
	{"image/jp2", func(b []byte) bool { return len(b) > 12 && hasPrefix(b, "\x00\x00\x00\x0cjP  \r\n\x87\n\x00") }},
	{"image/png", func(b []byte) bool { return len(b) > 3 && hasPrefix(b, "\x89PNG") }},
	{"image/gif", func(b []byte) bool { return len(b) > 2 && hasPrefix(b, "GIF") }},
	{"image/webp", func(b []byte) bool { return len(b) > 11 && at(b, 8, "WEBP") }},
	{"image/x-canon-cr2", isCR2},
	{"image/tiff", func(b []byte) bool {
		return len(b) > 9 && isTIFFMagic(b) && b[8] != 0x43 && b[9] != 0x52 && !isCR2(b)
	}},
	{"image/bmp", func(b []byte) bool { return len(b) > 1 && hasPrefix(b, "BM") }},
	{"image/vnd.ms-photo", func(b []byte) bool { return len(b) > 2 && hasPrefix(b, "II\xbc") }},
	{"image/vnd.adobe.photoshop", func(b []byte) bool { return len(b) > 3 && hasPrefix(b, "8BPS") }},
	{"image/vnd.microsoft.icon", func(b []byte) bool { return len(b) > 3 && hasPrefix(b, "\x00\x00\x01\x00") }},
	{"image/heif", isHEIF},
	{"image/avif", isAVIF},
	{"image/jxl", func(b []byte) bool {
		return len(b) > 2 && b[0] == 0xFF && b[1] == 0x0A ||
			len(b) > 12 && hasPrefix(b, "\x00\x00\x00\x0cJXL \r\n\x87\n")
	}},
	{"image/openraster", func(b []byte) bool {
		return len(b) > 57 && hasPrefix(b, "PK\x03\x04") && at(b, 30, "mimetypeimage/openraster")
	}},
	{"image/vnd.djvu", func(b []byte) bool { return len(b) > 14 && hasPrefix(b, "AT&TFORM") && at(b, 12, "DJV") }},
	// Video
	{"video/mp4", isMP4},
	{"video/x-m4v", func(b []byte) bool { return len(b) > 10 && at(b, 4, "ftypM4V") }},
	{"video/x-matroska", func(b []byte) bool {
		return len(b) > 15 && hasPrefix(b, "\x1a\x45\xdf\xa3\x93\x42\x82\x88matroska") ||
			len(b) > 38 && at(b, 31, "matroska")
	}},
	{"video/webm", func(b []byte) bool { return len(b) > 3 && hasPrefix(b, "\x1a\x45\xdf\xa3") }},
	{"video/quicktime", func(b []byte) bool {
		return len(b) > 15 && (at(b, 4, "ftypqt  ") || at(b, 4, "moov") || at(b, 4, "mdat") || at(b, 12, "mdat"))
	}},
	{"video/x-msvideo", func(b []byte) bool { return len(b) > 10 && hasPrefix(b, "RIFF") && at(b, 8, "AVI") }},
	{"video/x-ms-wmv", func(b []byte) bool { return len(b) > 9 && hasPrefix(b, "\x30\x26\xb2\x75\x8e\x66\xcf\x11\xa6\xd9") }},
	{"video/mpeg", func(b []byte) bool { return len(b) > 3 && hasPrefix(b, "\x00\x00\x01") && b[3] >= 0xB0 && b[3] <= 0xBF }},
	{"video/x-flv", func(b []byte) bool { return len(b) > 3 && hasPrefix(b, "FLV\x01") }},
	// Audio
	{"audio/midi", func(b []byte) bool { return len(b) > 3 && hasPrefix(b, "MThd") }},
	{"audio/mpeg", func(b []byte) bool { return len(b) > 2 && (hasPrefix(b, "ID3") || b[0] == 0xFF && b[1] == 0xFB) }},
	{"audio/m4a", func(b []byte) bool { return len(b) > 10 && (at(b, 4, "ftypM4A") || hasPrefix(b, "M4A ")) }},
	{"audio/opus", func(b []byte) bool { return isOgg(b) && len(b) > 35 && at(b, 28, "OpusHead") }}, // before ogg
	{"audio/ogg", isOgg},
	{"audio/x-flac", func(b []byte) bool { return len(b) > 3 && hasPrefix(b, "fLaC") }},
	{"audio/x-wav", func(b []byte) bool { return len(b) > 11 && hasPrefix(b, "RIFF") && at(b, 8, "WAVE") }},
	{"audio/amr", func(b []byte) bool { return len(b) > 11 && hasPrefix(b, "#!AMR\n") }},
	{"audio/aac", func(b []byte) bool { return len(b) > 1 && b[0] == 0xFF && (b[1] == 0xF1 || b[1] == 0xF9) }},
	{"audio/x-aiff", func(b []byte) bool { return len(b) > 11 && hasPrefix(b, "FORM") && at(b, 8, "AIFF") }},
	{"audio/x-dsf", func(b []byte) bool { return len(b) > 4 && hasPrefix(b, "DSD ") }},
	{"audio/x-ape", func(b []byte) bool { return len(b) > 4 && hasPrefix(b, "MAC ") }},
	// Font
	{"application/font-woff", func(b []byte) bool { return len(b) > 7 && hasPrefix(b, "wOFF\x00\x01\x00\x00") }},
	{"application/font-woff", func(b []byte) bool { return len(b) > 7 && hasPrefix(b, "wOF2\x00\x01\x00\x00") }},
	{"application/font-sfnt", func(b []byte) bool { return len(b) > 4 && hasPrefix(b, "\x00\x01\x00\x00\x00") }}, // ttf
	{"application/font-sfnt", func(b []byte) bool { return len(b) > 4 && hasPrefix(b, "OTTO\x00") }},             // otf
	// Document
	{"application/msword", func(b []byte) bool { return ole2(b) == docDOC }},
	{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", func(b []byte) bool { return msooxml(b) == docDOCX }},
	{"application/vnd.ms-excel", func(b []byte) bool { return ole2(b) == docXLS }},
	{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", func(b []byte) bool { return msooxml(b) == docXLSX }},
	{"application/vnd.ms-powerpoint", func(b []byte) bool { return ole2(b) == docPPT }},
	{"application/vnd.openxmlformats-officedocument.presentationml.presentation", func(b []byte) bool { return msooxml(b) == docPPTX }},
	// OpenDocument
	{"application/vnd.oasis.opendocument.text", func(b []byte) bool { return odf(b, "text") }},
	{"application/vnd.oasis.opendocument.spreadsheet", func(b []byte) bool { return odf(b, "spreadsheet") }},
	{"application/vnd.oasis.opendocument.presentation", func(b []byte) bool { return odf(b, "presentation") }},
	// Archive
	{"application/epub+zip", isEpub},
	{"application/zip", func(b []byte) bool {
		return len(b) > 3 && b[0] == 'P' && b[1] == 'K' &&
			(b[2] == 3 && b[3] == 4 || b[2] == 5 && b[3] == 6 || b[2] == 7 && b[3] == 8 ||
				len(b) > 7 && at(b, 2, "00PK\x03\x04")) // winzip
	}},
	{"application/x-tar", func(b []byte) bool { return len(b) > 261 && at(b, 257, "ustar") }},
	{"application/vnd.rar", func(b []byte) bool { return len(b) > 6 && hasPrefix(b, "Rar!\x1a\x07") && (b[6] == 0 || b[6] == 1) }},
	{"application/gzip", func(b []byte) bool { return len(b) > 2 && hasPrefix(b, "\x1f\x8b\x08") }},
	{"application/x-bzip2", func(b []byte) bool { return len(b) > 2 && hasPrefix(b, "BZh") }},
	{"application/x-7z-compressed", func(b []byte) bool { return len(b) > 5 && hasPrefix(b, "7z\xbc\xaf\x27\x1c") }},
	{"application/x-xz", func(b []byte) bool { return len(b) > 5 && hasPrefix(b, "\xfd7zXZ\x00") }},
	{"application/pdf", func(b []byte) bool { return len(b) > 3 && hasPrefix(b, "%PDF") }},
	{"application/x-shockwave-flash", func(b []byte) bool { return len(b) > 2 && (b[0] == 'C' || b[0] == 'F') && b[1] == 'W' && b[2] == 'S' }},
	{"application/rtf", func(b []byte) bool { return len(b) > 4 && hasPrefix(b, `{\rtf`) }},
	{"application/octet-stream", func(b []byte) bool { // eot
		return len(b) > 35 && b[34] == 0x4C && b[35] == 0x50 &&
			(at(b, 8, "\x02\x00\x01") || at(b, 8, "\x01\x00\x00") || at(b, 8, "\x02\x00\x02"))
	}},
	{"application/postscript", func(b []byte) bool { return len(b) > 1 && hasPrefix(b, "%!") }},
	{"application/vnd.sqlite3", func(b []byte) bool { return len(b) > 3 && hasPrefix(b, "SQLi") }},
	{"application/x-nintendo-nes-rom", func(b []byte) bool { return len(b) > 3 && hasPrefix(b, "NES\x1a") }},
	{"application/x-google-chrome-extension", func(b []byte) bool { return len(b) > 3 && hasPrefix(b, "Cr24") }},
	{"application/vnd.ms-cab-compressed", func(b []byte) bool { return len(b) > 3 && (hasPrefix(b, "MSCF") || hasPrefix(b, "ISc(")) }},
	{"application/vnd.debian.binary-package", func(b []byte) bool { return len(b) > 20 && hasPrefix(b, "!<arch>\ndebian-binary") }},
	{"application/x-unix-archive", func(b []byte) bool { return len(b) > 6 && hasPrefix(b, "!<arch>") }},
	{"application/x-compress", func(b []byte) bool { return len(b) > 1 && b[0] == 0x1F && (b[1] == 0xA0 || b[1] == 0x9D) }},
	{"application/x-lzip", func(b []byte) bool { return len(b) > 3 && hasPrefix(b, "LZIP") }},
	{"application/x-rpm", func(b []byte) bool { return len(b) > 96 && hasPrefix(b, "\xed\xab\xee\xdb") }},
	{"application/dicom", func(b []byte) bool { return len(b) > 131 && at(b, 128, "DICM") }},
	{"application/zstd", isZstd},
	{"application/x-ole-storage", func(b []byte) bool { return len(b) > 7 && hasPrefix(b, oleMagic) }}, // msi
	{"application/x-cpio", func(b []byte) bool {
		return len(b) > 1 && (b[0] == 0xC7 && b[1] == 0x71 || b[0] == 0x71 && b[1] == 0xC7) ||
			len(b) > 6 && hasPrefix(b, "070701")
	}},
	// Text
	{"text/html", isHTML},
	{"text/xml", func(b []byte) bool { return hasPrefixFold(trimBOMs(trimSpaces(b)), "<?xml") }},
	{"text/x-shellscript", func(b []byte) bool { return len(b) > 2 && hasPrefix(b, "#!") }},
}

func hasPrefix(b []byte, s string) bool { return len(b) >= len(s) && string(b[:len(s)]) == s }

// at is infer's compare_bytes: s occurs at offset off, inside b.
func at(b []byte, off int, s string) bool {
	return off >= 0 && off <= len(b) && len(b)-off >= len(s) && string(b[off:off+len(s)]) == s
}

func hasPrefixFold(b []byte, s string) bool {
	return len(b) >= len(s) && bytes.EqualFold(b[:len(s)], []byte(s))
}

func isExe(b []byte) bool { return len(b) > 1 && b[0] == 'M' && b[1] == 'Z' }

// isJava tells a class file from a fat Mach-O (both start CAFEBABE) by the
// version that follows: class files start at major version 45.
func isJava(b []byte) bool {
	if len(b) < 8 || !hasPrefix(b, "\xca\xfe\xba\xbe") {
		return false
	}
	return binary.BigEndian.Uint32(b[4:8]) >= 45 && binary.BigEndian.Uint16(b[6:8]) >= 45
}

func isMach(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	switch {
	case (b[0] == 0xCF || b[0] == 0xCE) && b[1] == 0xFA && b[2] == 0xED && b[3] == 0xFE:
		return true
	case b[0] == 0xFE && b[1] == 0xED && b[2] == 0xFA && (b[3] == 0xCF || b[3] == 0xCE):
		return true
	case hasPrefix(b, "\xca\xfe\xba\xbe") && len(b) >= 8:
		return binary.BigEndian.Uint32(b[4:8]) < 45
	}
	return false
}

func isDex(b []byte) bool { return len(b) > 36 && hasPrefix(b, "dex\n") && b[36] == 0x70 }

func isEpub(b []byte) bool {
	return len(b) > 57 && hasPrefix(b, "PK\x03\x04") && at(b, 30, "mimetypeapplication/epub+zip")
}

func isTIFFMagic(b []byte) bool { return hasPrefix(b, "II*\x00") || hasPrefix(b, "MM\x00*") }

func isCR2(b []byte) bool {
	return len(b) > 10 && isTIFFMagic(b) && b[8] == 0x43 && b[9] == 0x52 && b[10] == 0x02
}

// ftyp returns the major brand and the compatible brands of an ISO-BMFF
// head, as infer's is_isobmff plus get_ftyp do (the box must fit the head).
func ftyp(b []byte) (major []byte, compatible [][4]byte, ok bool) {
	if len(b) < 16 || !at(b, 4, "ftyp") {
		return nil, nil, false
	}
	boxLen := int(binary.BigEndian.Uint32(b[0:4]))
	if len(b) < boxLen {
		return nil, nil, false
	}
	n := boxLen/4 - 4
	for i := 16; n > 0 && i+4 <= len(b); i += 4 {
		compatible = append(compatible, [4]byte(b[i:i+4]))
		n--
	}
	return b[8:12], compatible, true
}

func isHEIF(b []byte) bool {
	major, compat, ok := ftyp(b)
	if !ok {
		return false
	}
	switch string(major) {
	case "heic":
		return true
	case "mif1", "msf1":
		for _, c := range compat {
			if string(c[:]) == "heic" {
				return true
			}
		}
	}
	return false
}

func isAVIF(b []byte) bool {
	major, compat, ok := ftyp(b)
	if !ok {
		return false
	}
	if string(major) == "avif" || string(major) == "avis" {
		return true
	}
	for _, c := range compat {
		if s := string(c[:]); s == "avif" || s == "avis" {
			return true
		}
	}
	return false
}

// mp4Brands are the major brands infer 0.16 calls video/mp4.
var mp4Brands = map[string]bool{
	"avc1": true, "dash": true, "iso2": true, "iso3": true, "iso4": true, "iso5": true, "iso6": true,
	"isom": true, "mmp4": true, "mp41": true, "mp42": true, "mp4v": true, "mp71": true, "MSNV": true,
	"NDAS": true, "NDSC": true, "NSDC": true, "NDSH": true, "NDSM": true, "NDSP": true, "NDSS": true,
	"NDXC": true, "NDXH": true, "NDXM": true, "NDXP": true, "NDXS": true, "F4V ": true, "F4P ": true,
}

func isMP4(b []byte) bool { return len(b) > 11 && at(b, 4, "ftyp") && mp4Brands[string(b[8:12])] }

func isOgg(b []byte) bool { return len(b) > 3 && hasPrefix(b, "OggS") }

// isZstd accepts a zstd frame, or skippable frames that fit the head and
// are followed by one.
func isZstd(b []byte) bool {
	for {
		if len(b) > 3 && hasPrefix(b, "\x28\xb5\x2f\xfd") {
			return true
		}
		if len(b) < 8 {
			return false
		}
		if binary.LittleEndian.Uint32(b[0:4])&0xFFFFFFF0 != 0x184D2A50 {
			return false
		}
		n := uint64(binary.LittleEndian.Uint32(b[4:8]))
		if uint64(len(b)) < 8+n {
			return false
		}
		b = b[8+n:]
	}
}

func odf(b []byte, kind string) bool {
	return hasPrefix(b, "PK\x03\x04") && at(b, 0x1E, "mimetype") && at(b, 0x32, "vnd.oasis.opendocument."+kind)
}

var htmlTags = []string{
	"<!DOCTYPE HTML", "<HTML", "<HEAD", "<SCRIPT", "<IFRAME", "<H1", "<DIV", "<FONT", "<TABLE", "<A",
	"<STYLE", "<TITLE", "<B", "<BODY", "<BR", "<P", "<!--",
}

// isHTML wants one of the tags, any case, after leading whitespace, ended by
// a space or '>'.
func isHTML(b []byte) bool {
	b = trimSpaces(b)
	for _, t := range htmlTags {
		if hasPrefixFold(b, t) && len(b) > len(t) && (b[len(t)] == ' ' || b[len(t)] == '>') {
			return true
		}
	}
	return false
}

func trimSpaces(b []byte) []byte {
	for len(b) > 0 && (b[0] == '\t' || b[0] == '\n' || b[0] == '\f' || b[0] == '\r' || b[0] == ' ') {
		b = b[1:]
	}
	return b
}

// trimBOMs drops UTF-8 and UTF-16 byte order marks, only while 3 bytes remain
// (infer's loop condition).
func trimBOMs(b []byte) []byte {
	for len(b) >= 3 {
		switch {
		case b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF:
			b = b[3:]
		case b[0] == 0xFE && b[1] == 0xFF, b[0] == 0xFF && b[1] == 0xFE:
			b = b[2:]
		default:
			return b
		}
	}
	return b
}
