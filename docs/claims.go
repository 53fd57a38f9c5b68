// Package docs embeds the claims table (claims.md), so that the
// `embedscope verify` command of any build checks the claims its sources
// make.
package docs

import _ "embed"

// Claims is claims.md: every number the README and these documents state
// about what EmbedScope measures, with the command that measures it again.
//
//go:embed claims.md
var Claims []byte
