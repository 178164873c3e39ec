package repo

import (
	"path"
	"time"

	"github.com/oxdrop/oxdrop/core/model"
	"github.com/oxdrop/oxdrop/core/oxhash"
)

// InitialCommitMessage is what Oxen's create writes (not "Initialized Repo").
const InitialCommitMessage = "Initial commit"

// MinVersion is the repository view's min_version literal.
const MinVersion = "0.36.0"

// NewCommit builds the initial commit of a repository created at t by
// author: no parents, Oxen's id (whole seconds enter the id; the timestamp
// keeps nanoseconds, RFC 3339 in UTC).
func NewCommit(author, email string, t time.Time) model.Commit {
	t = t.UTC()
	return model.Commit{
		ID:        oxhash.CommitID(nil, InitialCommitMessage, author, email, t.Unix()),
		ParentIDs: []string{},
		Message:   InitialCommitMessage,
		Author:    author,
		Email:     email,
		Timestamp: t.Format(time.RFC3339Nano),
	}
}

// Entry builds the MetadataEntry of the file at path p (already validated)
// in commit c, as Oxen 0.50's create response lists it.
func Entry(p string, info model.FileInfo, c model.Commit) model.MetadataEntry {
	commit := c
	var queryable *bool
	if info.DataType == model.Tabular {
		f := false
		queryable = &f
	}
	return model.MetadataEntry{
		Filename:     path.Base(p),
		Hash:         info.Hash,
		IsDir:        false,
		LatestCommit: &commit,
		Resource: &model.Resource{
			Commit:   &commit,
			Path:     p,
			Version:  c.ID,
			Resource: c.ID + "/" + p,
		},
		Size:        info.Size,
		DataType:    info.DataType,
		MimeType:    info.MimeType,
		Extension:   info.Extension,
		Metadata:    info.Metadata,
		IsQueryable: queryable,
	}
}
