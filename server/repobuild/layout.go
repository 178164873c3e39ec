package repobuild

// Storage layout and atomicity.
//
// A creation may receive its files before it knows the repository's name
// (multipart parts come in any order), and the store cannot rename a
// prefix, so a creation writes everything under its own data prefix and
// publishes by writing ONE small object that points at it:
// (A file committed from a blob uploaded earlier, AddBlob, is not copied:
// its tree record names the blob's own key, outside data/<id>/.)
//
//	staging/<id>                              marker: {"started", then namespace/name}
//	data/<id>/uploads/<n>                     a file received before its hash was known
//	data/<id>/versions/<h[0:2]>/<h[2:]>/data  content-addressed blobs (Oxen's layout), deduplicated
//	data/<id>/tree/<path>                     per file: FileInfo without metadata + combined hash (file lookups)
//	data/<id>/entries/<k>                     the metadata entries, JSON lines without the commit (entries.go)
//	data/<id>/commits/<commit id>             the initial commit
//	data/<id>/refs/heads/main                 the main ref: the commit id
//	repos/<namespace>/<name>/repo.json        the repository record: namespace, name,
//	                                          data prefix, latest commit
//
// <id> is the start time (16 hex digits of Unix nanoseconds, so ids sort by
// age) and 16 random hex digits. Blobs go straight to their versions key
// when their hash is announced (by the manifest, which the web app always
// sends), and are otherwise
// received under uploads/ and moved (store.Move: a rename on disk,
// copy+delete on R2).
//
// Publishing is the Put of repo.json with IfAbsent: before it, nothing of
// the creation is reachable; after it, all of it is. The same conditional
// Put settles concurrent creations of one name: exactly one wins, the
// others get ErrExists (409) and delete their data. Any failure (bad part, limit,
// disconnect, I/O error, panic) deletes every key the creation wrote. A
// crash leaves data/<id>/ and its staging marker; the sweep (at start-up of
// `oxdrop serve`, and lazily on each POST for the Workers build) deletes
// every creation whose marker is older than the staging TTL plus a margin,
// unless its marker names a repository whose record points at it (a crash
// between publishing and deleting the marker). A creation refuses to
// publish once older than the TTL, so the sweep never races a live one.
// A name is taken only by a published record, so a retry after any failure
// succeeds.

import (
	"path"
	"strings"

	"github.com/oxdrop/oxdrop/core/model"
)

const (
	stagingPrefix = "staging/"
	dataPrefix    = "data/"
	reposPrefix   = "repos/"
)

func recordKey(namespace, name string) string {
	return reposPrefix + namespace + "/" + name + "/repo.json"
}

func markerKey(id string) string { return stagingPrefix + id }

// versionKey is Oxen's blob path for an unpadded hex hash.
func versionKey(data, hash string) string {
	if len(hash) < 3 {
		hash = strings.Repeat("0", 3-len(hash)) + hash // never for real hashes; keeps the key valid
	}
	return path.Join(data, "versions", hash[:2], hash[2:], "data")
}

func treeKey(data, p string) string { return data + "/tree/" + p }

// record is repo.json.
type record struct {
	Namespace    string        `json:"namespace"`
	Name         string        `json:"name"`
	Data         string        `json:"data"`
	LatestCommit *model.Commit `json:"latest_commit"`
	// EntryChunks is how many entries chunks the repository has; nil for
	// repositories written before chunks (one entries.json).
	EntryChunks *int `json:"entry_chunks,omitempty"`
}

// marker is staging/<id>.
type marker struct {
	Started   string `json:"started"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
}

// treeRecord is data/<id>/tree/<path>: what serving the file needs, kept
// small (the metadata lives in the entries) so it always reads back.
type treeRecord struct {
	model.FileInfo
	CombinedHash string `json:"combined_hash"`
	// Blob is where the file's bytes are when they are not at their
	// versions key under the creation's data (AddBlob).
	Blob string `json:"blob,omitempty"`
}
