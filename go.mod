module github.com/oxdrop/oxdrop

go 1.26

require (
	github.com/go-git/go-billy/v5 v5.9.2
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3
	github.com/syumai/workers v0.32.0
	github.com/tidwall/gjson v1.20.2
	github.com/zeebo/xxh3 v1.1.0
	go.yaml.in/yaml/v3 v3.0.6
	golang.org/x/sys v0.46.0
	golang.org/x/text v0.39.0
)

require (
	github.com/cyphar/filepath-securejoin v0.6.1 // indirect
	github.com/klauspost/cpuid/v2 v2.2.10 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.3.0 // indirect
)
