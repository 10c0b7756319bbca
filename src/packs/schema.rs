//! The TOML form of a pack, as serde reads it: every table refuses keys it
//! does not know, and every value keeps its place in the file so that
//! errors found later still point into the TOML. Values that may be one
//! thing or a list stay [`toml::Value`]s here and are checked by
//! `compile`, which gives better messages than serde's untagged enums.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackFile {
    pub pack: Spanned<Header>,
    #[serde(default)]
    pub rules: Vec<Spanned<RuleSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: Spanned<String>,
    pub severity: Spanned<String>,
    pub message: Spanned<String>,
    pub help: String,
    #[serde(rename = "match", default)]
    pub selector: Option<Spanned<MatchSpec>>,
    #[serde(default)]
    pub conditions: Option<Spanned<ConditionsSpec>>,
    #[serde(default)]
    pub examples: Vec<Spanned<ExampleSpec>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MatchSpec {
    pub family: Option<Spanned<String>>,
    pub table: Option<Spanned<String>>,
    pub chain: Option<Spanned<toml::Value>>,
    pub protocol: Option<Spanned<toml::Value>>,
    pub ports: Option<Spanned<toml::Value>>,
    pub source: Option<Spanned<toml::Value>>,
    pub destination: Option<Spanned<toml::Value>>,
    pub in_interface: Option<Spanned<String>>,
    pub out_interface: Option<Spanned<String>>,
    pub state: Option<Spanned<Vec<Spanned<String>>>>,
    pub verdict: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConditionsSpec {
    pub reachable: Option<Spanned<toml::Value>>,
    pub fate: Option<Spanned<String>>,
    pub default: Option<Spanned<String>>,
    pub missing_rule: Option<Spanned<bool>>,
    pub uncovered: Option<Spanned<bool>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleSpec {
    pub triggers: Option<Spanned<String>>,
    pub silent: Option<Spanned<String>>,
    pub family: Option<Spanned<String>>,
    #[serde(default)]
    pub listening: Vec<Spanned<String>>,
}
