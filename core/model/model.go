// Package model holds Oxen's data model as oxdrop uses it: data types,
// metadata shapes, metadata entries and commits, with JSON that is
// byte-identical to the Oxen server's (so metadata hashes match).
package model

import (
	"encoding/json"
)

// DataType is Oxen's EntryDataType, serialized in lowercase.
type DataType string

const (
	Dir     DataType = "dir"
	Text    DataType = "text"
	Image   DataType = "image"
	Video   DataType = "video"
	Audio   DataType = "audio"
	Tabular DataType = "tabular"
	Binary  DataType = "binary"
)

// DataTypes lists every data type in Oxen's declaration order.
var DataTypes = []DataType{Dir, Text, Image, Video, Audio, Tabular, Binary}

// Commit is an Oxen commit as the API returns it.
type Commit struct {
	ID        string   `json:"id"`
	ParentIDs []string `json:"parent_ids"`
	Message   string   `json:"message"`
	Author    string   `json:"author"`
	Email     string   `json:"email"`
	Timestamp string   `json:"timestamp"`
}

// Resource is the ParsedResource of a metadata entry.
type Resource struct {
	Commit    *Commit         `json:"commit"`
	Branch    json.RawMessage `json:"branch"`
	Workspace json.RawMessage `json:"workspace"`
	Path      string          `json:"path"`
	Version   string          `json:"version"`
	Resource  string          `json:"resource"`
}

// FileInfo is what the core learns about one file: everything of a
// MetadataEntry that does not depend on a commit.
type FileInfo struct {
	Hash      string    `json:"hash"`
	Size      uint64    `json:"size"`
	DataType  DataType  `json:"data_type"`
	MimeType  string    `json:"mime_type"`
	Extension string    `json:"extension"`
	Metadata  *Metadata `json:"metadata"`
}

// MetadataEntry is Oxen's MetadataEntry (0.50 field order).
type MetadataEntry struct {
	Filename     string          `json:"filename"`
	Hash         string          `json:"hash"`
	IsDir        bool            `json:"is_dir"`
	LatestCommit *Commit         `json:"latest_commit"`
	Resource     *Resource       `json:"resource"`
	Size         uint64          `json:"size"`
	DataType     DataType        `json:"data_type"`
	MimeType     string          `json:"mime_type"`
	Extension    string          `json:"extension"`
	Metadata     *Metadata       `json:"metadata"`
	IsQueryable  *bool           `json:"is_queryable"`
	Children     []MetadataEntry `json:"children,omitempty"`
}
