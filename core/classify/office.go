package classify

import (
	"bytes"
	"encoding/binary"
)

// Office documents: infer 0.16's matchers/doc.rs. OOXML is a ZIP whose
// first few entries name word/, xl/ or ppt/; legacy Office is an OLE2
// compound file whose root entry carries the application's CLSID.

type docKind int

const (
	docNone docKind = iota
	docDOC
	docDOCX
	docXLS
	docXLSX
	docPPT
	docPPTX
	docOOXML // an OOXML package of no recognized kind
)

// checkOOXMLDir tells the kind from the entry name at off.
func checkOOXMLDir(b []byte, off int) docKind {
	switch {
	case at(b, off, "word/"):
		return docDOCX
	case at(b, off, "ppt/"):
		return docPPTX
	case at(b, off, "xl/"):
		return docXLSX
	}
	return docNone
}

// searchZipHeader finds the next local file header signature within range
// bytes from start, relative to start.
func searchZipHeader(b []byte, start, rng int) (int, bool) {
	end := start + rng
	if end > len(b) {
		end = len(b)
	}
	if start >= end {
		return 0, false
	}
	i := bytes.Index(b[start:end], []byte("PK\x03\x04"))
	return i, i >= 0
}

// msooxml walks the first local headers as infer does; offsets and ranges
// are infer's (6000-byte scans tolerate a 520-byte extra field).
func msooxml(b []byte) docKind {
	if !hasPrefix(b, "PK\x03\x04") {
		return docNone
	}
	if k := checkOOXMLDir(b, 0x1E); k != docNone {
		return k
	}
	if !at(b, 0x1E, "[Content_Types].xml") && !at(b, 0x1E, "_rels/.rels") && !at(b, 0x1E, "docProps") {
		return docNone
	}
	// b is at least 0x1E+8 bytes long here, so [18:22] exists.
	compressed := binary.LittleEndian.Uint32(b[18:22])
	if compressed > 0xFFFFFFFF-49 { // Rust's checked_add on u32
		return docNone
	}
	start := int(compressed) + 49
	idx, ok := searchZipHeader(b, start, 6000)
	if !ok {
		return docNone
	}
	start += idx + 4 + 26
	idx, ok = searchZipHeader(b, start, 6000)
	if !ok {
		return docNone
	}
	start += idx + 4 + 26
	if checkOOXMLDir(b, start) == docNone {
		return docNone
	}
	// LibreOffice orders entries differently: check the fourth one too.
	start += 26
	idx, ok = searchZipHeader(b, start, 6000)
	if !ok {
		return docOOXML
	}
	start += idx + 4 + 26
	if k := checkOOXMLDir(b, start); k != docNone {
		return k
	}
	return docOOXML
}

const oleMagic = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

// CLSIDs of the root storage, in their on-disk (mixed-endian GUID) form.
var (
	clsidExcel5 = guidBytes(0x00020810, 0, 0, [8]byte{0xc0, 0, 0, 0, 0, 0, 0, 0x46})
	clsidExcel8 = guidBytes(0x00020820, 0, 0, [8]byte{0xc0, 0, 0, 0, 0, 0, 0, 0x46})
	clsidWord   = guidBytes(0x00020906, 0, 0, [8]byte{0xc0, 0, 0, 0, 0, 0, 0, 0x46})
	clsidPPT    = guidBytes(0x64818d10, 0x4f9b, 0x11cf, [8]byte{0x86, 0xea, 0x00, 0xaa, 0x00, 0xb9, 0x29, 0xe8})
)

func guidBytes(d1 uint32, d2, d3 uint16, d4 [8]byte) [16]byte {
	var g [16]byte
	binary.LittleEndian.PutUint32(g[0:], d1)
	binary.LittleEndian.PutUint16(g[4:], d2)
	binary.LittleEndian.PutUint16(g[6:], d3)
	copy(g[8:], d4[:])
	return g
}

// validFAT is cfb's Allocator::validate: the FAT fits the file, marks the
// DIFAT and FAT sectors as such, and no sector is pointed to twice or
// beyond the FAT.
func validFAT(fat []uint32, numSectors uint32, difatIDs, fatIDs []uint32) bool {
	const maxRegular, invalid, difatSector, fatSector = 0xFFFFFFFA, 0xFFFFFFFB, 0xFFFFFFFC, 0xFFFFFFFD
	if len(fat) > int(numSectors) {
		return false
	}
	for _, id := range difatIDs {
		if int(id) >= len(fat) || fat[id] != difatSector {
			return false
		}
	}
	for _, id := range fatIDs {
		if int(id) >= len(fat) || fat[id] != fatSector {
			return false
		}
	}
	pointed := make(map[uint32]bool, len(fat))
	for _, to := range fat {
		switch {
		case to <= maxRegular:
			if int(to) >= len(fat) || pointed[to] {
				return false
			}
			pointed[to] = true
		case to == invalid:
			return false
		}
	}
	return true
}

// ole2 opens the head as a compound file the way the cfb 0.7 crate does
// (infer hands it only the first 8192 bytes, so a file whose FAT or
// directory lies beyond them does not open and is no Office document), and
// reads the root entry's CLSID.
//
// cfb's header, DIFAT, FAT (Allocator::validate) and directory-chain checks
// and the root entry's type and length are reproduced; the validation of
// the other directory entries (names, sibling order) and of the mini FAT is
// not, so a compound file malformed only there is still named by CLSID.
func ole2(b []byte) docKind {
	if !hasPrefix(b, oleMagic) || len(b) < 512 {
		return docNone
	}
	le16 := func(o int) uint16 { return binary.LittleEndian.Uint16(b[o:]) }
	le32 := func(o int) uint32 { return binary.LittleEndian.Uint32(b[o:]) }
	if le16(0x1C) != 0xFFFE {
		return docNone
	}
	var shift uint16
	switch le16(0x1A) {
	case 3:
		shift = 9
	case 4:
		shift = 12
	default:
		return docNone
	}
	if le16(0x1E) != shift || le16(0x20) != 6 || le32(0x38) != 4096 {
		return docNone
	}
	sectorLen := 1 << shift
	if len(b) < sectorLen {
		return docNone
	}
	// Sector i starts at (i+1)*sectorLen; the header occupies the first.
	numSectors := uint32((len(b)+sectorLen-1)/sectorLen - 1)
	const maxRegular, endOfChain, free = 0xFFFFFFFA, 0xFFFFFFFE, 0xFFFFFFFF
	var difat []uint32
	for i := 0; i < 109; i++ {
		v := le32(0x4C + 4*i)
		if v == free {
			break
		}
		if v > maxRegular {
			return docNone
		}
		difat = append(difat, v)
	}
	sector := func(i uint32) []byte {
		off := (int(i) + 1) * sectorLen
		if off+sectorLen > len(b) {
			return nil // cfb reads past the end: an I/O error
		}
		return b[off : off+sectorLen]
	}
	firstDIFAT := le32(0x44)
	if firstDIFAT == free {
		firstDIFAT = endOfChain
	}
	seen := map[uint32]bool{}
	var difatIDs []uint32
	for cur := firstDIFAT; cur != endOfChain; {
		if cur > maxRegular || cur >= numSectors || seen[cur] {
			return docNone
		}
		seen[cur] = true
		difatIDs = append(difatIDs, cur)
		s := sector(cur)
		if s == nil {
			return docNone
		}
		for j := 0; j < sectorLen/4-1; j++ {
			v := binary.LittleEndian.Uint32(s[4*j:])
			if v != free && v > maxRegular {
				return docNone
			}
			difat = append(difat, v)
		}
		cur = binary.LittleEndian.Uint32(s[sectorLen-4:])
	}
	if int(le32(0x48)) != len(difatIDs) {
		return docNone
	}
	for len(difat) > 0 && difat[len(difat)-1] == free {
		difat = difat[:len(difat)-1]
	}
	if int(le32(0x2C)) != len(difat) {
		return docNone
	}
	// Read the FAT, then trim it and validate it as cfb's Allocator does.
	// Here a real document longer than the 8192-byte head usually fails:
	// its FAT describes more sectors than the head holds.
	var fat []uint32
	for _, fs := range difat {
		if fs >= numSectors {
			return docNone
		}
		sec := sector(fs)
		if sec == nil {
			return docNone
		}
		for j := 0; j < sectorLen/4; j++ {
			fat = append(fat, binary.LittleEndian.Uint32(sec[4*j:]))
		}
	}
	for len(fat) > int(numSectors) && fat[len(fat)-1] == 0 {
		fat = fat[:len(fat)-1]
	}
	for len(fat) > 0 && fat[len(fat)-1] == free {
		fat = fat[:len(fat)-1]
	}
	if !validFAT(fat, numSectors, difatIDs, difat) {
		return docNone
	}
	// Walk the directory chain (cfb reads every directory sector).
	firstDir := le32(0x30)
	seenDir := map[uint32]bool{}
	for cur := firstDir; cur != endOfChain; {
		if cur > maxRegular || cur >= numSectors || seenDir[cur] || sector(cur) == nil {
			return docNone
		}
		seenDir[cur] = true
		if int(cur) >= len(fat) {
			return docNone
		}
		next := fat[cur]
		if next != endOfChain && (next > maxRegular || int(next) >= len(fat)) {
			return docNone
		}
		cur = next
	}
	if firstDir == endOfChain {
		return docNone // no root entry
	}
	dir := sector(firstDir)
	// The root entry: object type 5, stream length a multiple of 64.
	if dir[0x42] != 5 || binary.LittleEndian.Uint64(dir[0x78:0x80])%64 != 0 {
		return docNone
	}
	var clsid [16]byte
	copy(clsid[:], dir[0x50:0x60])
	switch clsid {
	case clsidExcel5, clsidExcel8:
		return docXLS
	case clsidWord:
		return docDOC
	case clsidPPT:
		return docPPT
	}
	return docNone
}
