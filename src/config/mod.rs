//! Configuration: `fwlint.toml`, found by walking up from each linted file
//! (the nearest one wins; standard input looks from the current directory)
//! or named with `--config`, merged with the command line, which always
//! wins. The result is a [`FileSettings`] per file: which codes are on,
//! their severities, the failure threshold, the host profile of the
//! analysis and whether inline suppressions count.
//!
//! Configuration files are read once per directory and the settings they
//! give are shared between files, so a run over many files pays for each
//! `fwlint.toml` once. Unknown keys, wrong types and unknown codes are
//! [`ConfigError`]s that point into the TOML. This module knows nothing of
//! how files are parsed or linted; the engine asks it only "is this code
//! on, and how severe is it, for this file".

mod error;
pub mod select;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

pub use error::ConfigError;
pub use select::{Selection, Selector};

use crate::analysis::{HostProfile, Service};
use crate::diagnostics::Severity;
use crate::model::AddrMask;
use crate::registry;
use crate::source::{SourceFile, Span};

/// The name of the configuration file fwlint looks for.
pub const FILE_NAME: &str = "fwlint.toml";

/// The lowest severity that fails a run, or `never`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Error,
    #[default]
    Warning,
    Info,
    Never,
}

impl FailOn {
    /// The lowest failing severity; `None` for `never`.
    #[must_use]
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum SeverityValue {
    Error,
    Warning,
    Info,
}

impl From<SeverityValue> for Severity {
    fn from(value: SeverityValue) -> Severity {
        match value {
            SeverityValue::Error => Severity::Error,
            SeverityValue::Warning => Severity::Warning,
            SeverityValue::Info => Severity::Info,
        }
    }
}

/// The keys of `fwlint.toml`, for "did you mean".
const TOP_KEYS: &[&str] = &[
    "select",
    "extend-select",
    "ignore",
    "severity",
    "fail-on",
    "per-file-ignores",
    "host",
];
const HOST_KEYS: &[&str] = &["addresses", "services", "trusted", "listening"];

type Names = Vec<Spanned<String>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    select: Option<Names>,
    #[serde(default)]
    extend_select: Names,
    #[serde(default)]
    ignore: Names,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, SeverityValue>,
    fail_on: Option<FailOn>,
    #[serde(default)]
    per_file_ignores: BTreeMap<Spanned<String>, Names>,
    host: Option<RawHost>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHost {
    addresses: Option<Names>,
    services: Option<Names>,
    trusted: Option<Names>,
    listening: Option<Spanned<String>>,
}

/// Per-file ignores: files matching `glob` have `selectors` ignored.
#[derive(Debug, Clone)]
struct PerFileIgnore {
    glob: globset::GlobMatcher,
    /// The pattern has no `/`: it is matched against the file name.
    by_name: bool,
    selectors: Vec<Selector>,
}

/// What the user said about the host, each part only when said.
#[derive(Debug, Clone, Default)]
struct HostParts {
    addresses: Option<Vec<AddrMask>>,
    services: Option<Vec<Service>>,
    trusted: Option<Vec<AddrMask>>,
}

/// One `fwlint.toml`, read and checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// The path as shown in messages.
    pub path: String,
    /// The directory that globs and paths in it are relative to.
    dir: PathBuf,
    selection: Selection,
    severity: Vec<(Selector, Severity)>,
    fail_on: Option<FailOn>,
    per_file_ignores: Vec<PerFileIgnore>,
    host: HostParts,
}

impl Config {
    /// Reads the configuration file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let shown = shown_path(path);
        let text = std::fs::read_to_string(path)
            .map_err(|error| ConfigError::plain("unreadable-file", format!("{shown}: {error}")))?;
        let dir = path
            .parent()
            .map(|parent| {
                if parent.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    parent
                }
            })
            .and_then(|parent| parent.canonicalize().ok())
            .unwrap_or_default();
        Config::parse(&shown, dir, &text)
    }

    /// Reads configuration `text`, shown as `name`, whose relative paths
    /// start at `dir`.
    pub fn parse(name: &str, dir: PathBuf, text: &str) -> Result<Config, ConfigError> {
        let file = SourceFile::new(name, text);
        let raw: RawConfig = toml::from_str(text).map_err(|error| toml_error(&file, &error))?;
        let selectors = |names: &Names| -> Result<Vec<Selector>, ConfigError> {
            names.iter().map(|name| selector(&file, name)).collect()
        };
        let selection = Selection {
            select: raw.select.as_ref().map(selectors).transpose()?,
            extend_select: selectors(&raw.extend_select)?,
            ignore: selectors(&raw.ignore)?,
        };
        let mut severity = Vec::new();
        for (key, value) in &raw.severity {
            severity.push((selector(&file, key)?, Severity::from(*value)));
        }
        let mut per_file_ignores = Vec::new();
        for (pattern, names) in &raw.per_file_ignores {
            let glob = globset::GlobBuilder::new(pattern.get_ref())
                .literal_separator(true)
                .build()
                .map_err(|error| {
                    ConfigError::at(
                        &file,
                        span_of(pattern),
                        "invalid-glob",
                        format!(
                            "`{}` is not a valid glob: {}",
                            pattern.get_ref(),
                            error.kind()
                        ),
                    )
                })?;
            per_file_ignores.push(PerFileIgnore {
                glob: glob.compile_matcher(),
                by_name: !pattern.get_ref().contains('/'),
                selectors: selectors(names)?,
            });
        }
        let host = match &raw.host {
            Some(raw_host) => host_parts(&file, &dir, raw_host)?,
            None => HostParts::default(),
        };
        Ok(Config {
            path: name.to_string(),
            dir,
            selection,
            severity,
            fail_on: raw.fail_on,
            per_file_ignores,
            host,
        })
    }
}

fn span_of<T>(value: &Spanned<T>) -> Span {
    Span::from_range(value.span())
}

fn selector(file: &SourceFile, name: &Spanned<String>) -> Result<Selector, ConfigError> {
    Selector::parse(name.get_ref())
        .map_err(|message| ConfigError::at(file, span_of(name), "unknown-code", message))
}

fn host_parts(file: &SourceFile, dir: &Path, raw: &RawHost) -> Result<HostParts, ConfigError> {
    let networks = |names: &Option<Names>,
                    what: &str|
     -> Result<Option<Vec<AddrMask>>, ConfigError> {
        names
            .as_ref()
            .map(|names| {
                names
                    .iter()
                    .map(|name| {
                        crate::cli::parse_network(name.get_ref()).ok_or_else(|| {
                            ConfigError::at(
                                file,
                                span_of(name),
                                "invalid-address",
                                format!("`{}` is not an {what}", name.get_ref()),
                            )
                            .with_help("write an IPv4 or IPv6 address, optionally with a prefix length: `203.0.113.1`, `10.0.0.0/8`")
                        })
                    })
                    .collect()
            })
            .transpose()
    };
    let addresses = networks(&raw.addresses, "address")?;
    let trusted = networks(&raw.trusted, "address or network")?;
    let mut services: Option<Vec<Service>> = raw
        .services
        .as_ref()
        .map(|names| {
            names
                .iter()
                .map(|name| {
                    Service::parse(name.get_ref()).ok_or_else(|| {
                        ConfigError::at(
                            file,
                            span_of(name),
                            "invalid-service",
                            format!("`{}` is not a service", name.get_ref()),
                        )
                        .with_help("write a protocol and a port: `tcp/22`, `udp/161`")
                    })
                })
                .collect()
        })
        .transpose()?;
    if let Some(listening) = &raw.listening {
        let path = dir.join(listening.get_ref());
        let text = std::fs::read_to_string(&path).map_err(|error| {
            ConfigError::at(
                file,
                span_of(listening),
                "unreadable-file",
                format!("cannot read `{}`: {error}", listening.get_ref()),
            )
            .with_help("the path is relative to the directory of this fwlint.toml; write it with `ss -Hltun > FILE`")
        })?;
        services
            .get_or_insert_with(Vec::new)
            .extend(crate::analysis::host::parse_listening(&text));
    }
    Ok(HostParts {
        addresses,
        services,
        trusted,
    })
}

/// Turns toml's error into one that points into the file, with a
/// suggestion for a misspelt key.
fn toml_error(file: &SourceFile, error: &toml::de::Error) -> ConfigError {
    let span = error.span().map_or(Span::empty_at(0), Span::from_range);
    let message = error.message().trim();
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let key = rest.split('`').next().unwrap_or_default();
        let host = HOST_KEYS
            .iter()
            .any(|known| message.contains(&format!("`{known}`")))
            && !message.contains("`select`");
        let known = if host { HOST_KEYS } else { TOP_KEYS };
        let mut config_error =
            ConfigError::at(file, span, "unknown-key", format!("unknown key `{key}`"))
                .with_label("not a key of fwlint.toml");
        let list = known
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        config_error = match select::closest(key, known.iter().copied()) {
            Some(close) => {
                config_error.with_help(format!("did you mean `{close}`? the keys here are {list}"))
            }
            None => config_error.with_help(format!("the keys here are {list}")),
        };
        return config_error;
    }
    let kind = if message.starts_with("invalid type") || message.starts_with("unknown variant") {
        "invalid-value"
    } else {
        "invalid-toml"
    };
    // serde's words for TOML's arrays and tables.
    let mut text = message
        .replace("unknown variant", "unknown value")
        .replace("a sequence", "a list")
        .replace("a map", "a table");
    if let Some(first) = text.lines().next() {
        text = first.to_string();
    }
    ConfigError::at(file, span, kind, text)
}

/// A path as shown: relative to the current directory when inside it.
fn shown_path(path: &Path) -> String {
    let current = std::env::current_dir().ok();
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let relative = current
        .as_deref()
        .and_then(|current| absolute.strip_prefix(current).ok())
        .filter(|relative| !relative.as_os_str().is_empty());
    crate::engine::display(relative.unwrap_or(path))
}

/// What the command line says; it beats every configuration file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--select`: replaces `select`, `extend-select` and `ignore` of the
    /// files.
    pub select: Option<Vec<Selector>>,
    /// `--extend-select`: adds to them.
    pub extend_select: Vec<Selector>,
    /// `--ignore`: adds to them.
    pub ignore: Vec<Selector>,
    pub fail_on: Option<FailOn>,
    /// `--local-address`
    pub addresses: Option<Vec<AddrMask>>,
    /// `--listening`
    pub services: Option<Vec<Service>>,
    /// `--no-ignores`: inline suppressions do not count.
    pub no_ignores: bool,
}

/// Everything that applies to one file.
#[derive(Debug, Clone)]
pub struct FileSettings {
    disabled: BTreeSet<&'static str>,
    severity: BTreeMap<&'static str, Severity>,
    pub fail_on: FailOn,
    /// The host profile; `None` leaves the engine's default.
    pub host: Option<HostProfile>,
    /// Whether `# fwlint: ignore[...]` comments count.
    pub inline_suppressions: bool,
}

impl Default for FileSettings {
    fn default() -> Self {
        FileSettings {
            disabled: BTreeSet::new(),
            severity: BTreeMap::new(),
            fail_on: FailOn::default(),
            host: None,
            inline_suppressions: true,
        }
    }
}

impl FileSettings {
    /// Is the code `code` reported for this file?
    #[must_use]
    pub fn enabled(&self, code: &str) -> bool {
        !self.disabled.contains(code)
    }

    /// The severity the configuration gives `code`, if it changes it.
    #[must_use]
    pub fn severity(&self, code: &str) -> Option<Severity> {
        self.severity.get(code).copied()
    }

    /// Drops the diagnostics of codes that are off and applies the
    /// configured severities.
    pub fn apply(&self, diagnostics: &mut Vec<crate::diagnostics::Diagnostic>) {
        diagnostics.retain(|diagnostic| self.enabled(&diagnostic.code));
        for diagnostic in diagnostics {
            if let Some(severity) = self.severity(&diagnostic.code) {
                diagnostic.severity = severity;
            }
        }
    }
}

/// The settings of each file of a run, by the name the file is shown as.
#[derive(Debug, Clone, Default)]
pub struct FileSettingsMap {
    default: Arc<FileSettings>,
    by_name: HashMap<String, Arc<FileSettings>>,
}

impl FileSettingsMap {
    /// Every file gets `default` unless [`insert`](Self::insert) says
    /// otherwise.
    #[must_use]
    pub fn new(default: FileSettings) -> Self {
        FileSettingsMap {
            default: Arc::new(default),
            by_name: HashMap::new(),
        }
    }

    pub fn insert(&mut self, name: String, settings: Arc<FileSettings>) {
        self.by_name.insert(name, settings);
    }

    #[must_use]
    pub fn get(&self, name: &str) -> &Arc<FileSettings> {
        self.by_name.get(name).unwrap_or(&self.default)
    }
}

/// Finds the configuration of each file, reading each `fwlint.toml` once
/// and remembering the answer for every directory on the way.
#[derive(Debug)]
pub struct Discovery {
    overrides: Overrides,
    /// `--config`: used for every file.
    explicit: Option<Arc<Config>>,
    isolated: bool,
    configs: HashMap<PathBuf, Option<Arc<Config>>>,
    /// Settings already made, by config file and the per-file ignores that
    /// matched: most files of a run share one.
    settings: HashMap<(Option<String>, Vec<usize>), Arc<FileSettings>>,
}

impl Discovery {
    /// `config` is `--config`; `isolated` ignores every configuration file.
    pub fn new(
        overrides: Overrides,
        config: Option<&Path>,
        isolated: bool,
    ) -> Result<Self, ConfigError> {
        let explicit = match config {
            Some(path) if !isolated => Some(Arc::new(Config::load(path)?)),
            _ => None,
        };
        Ok(Discovery {
            overrides,
            explicit,
            isolated,
            configs: HashMap::new(),
            settings: HashMap::new(),
        })
    }

    /// The settings of the file at `path`.
    pub fn for_file(&mut self, path: &Path) -> Result<Arc<FileSettings>, ConfigError> {
        let absolute = path
            .canonicalize()
            .or_else(|_| std::path::absolute(path))
            .unwrap_or_else(|_| path.to_path_buf());
        let start = absolute.parent().map(Path::to_path_buf).unwrap_or_default();
        self.settings_for(&start, &absolute)
    }

    /// The settings of standard input shown as `name`: configuration is
    /// looked for from the current directory.
    pub fn for_stdin(&mut self, name: &str) -> Result<Arc<FileSettings>, ConfigError> {
        let current = std::env::current_dir()
            .ok()
            .and_then(|dir| dir.canonicalize().ok())
            .unwrap_or_default();
        let path = current.join(name);
        self.settings_for(&current, &path)
    }

    fn settings_for(
        &mut self,
        start: &Path,
        file: &Path,
    ) -> Result<Arc<FileSettings>, ConfigError> {
        let config = if self.isolated {
            None
        } else if let Some(explicit) = &self.explicit {
            Some(Arc::clone(explicit))
        } else {
            self.nearest(start)?
        };
        let matched: Vec<usize> = config
            .as_deref()
            .map(|config| matching_ignores(config, file))
            .unwrap_or_default();
        let key = (config.as_ref().map(|config| config.path.clone()), matched);
        if let Some(settings) = self.settings.get(&key) {
            return Ok(Arc::clone(settings));
        }
        let settings = Arc::new(resolve(config.as_deref(), &key.1, &self.overrides));
        self.settings.insert(key, Arc::clone(&settings));
        Ok(settings)
    }

    /// The nearest `fwlint.toml` at or above `dir`.
    fn nearest(&mut self, dir: &Path) -> Result<Option<Arc<Config>>, ConfigError> {
        let mut visited = Vec::new();
        let mut current = Some(dir);
        let mut found = None;
        while let Some(directory) = current {
            if let Some(known) = self.configs.get(directory) {
                found = known.clone();
                break;
            }
            visited.push(directory.to_path_buf());
            let candidate = directory.join(FILE_NAME);
            if candidate.is_file() {
                found = Some(Arc::new(Config::load(&candidate)?));
                break;
            }
            current = directory.parent();
        }
        for directory in visited {
            self.configs.insert(directory, found.clone());
        }
        Ok(found)
    }
}

/// The indexes of the per-file ignores of `config` that match `file`.
fn matching_ignores(config: &Config, file: &Path) -> Vec<usize> {
    let relative = file.strip_prefix(&config.dir).unwrap_or(file);
    let name = file.file_name().map(Path::new);
    config
        .per_file_ignores
        .iter()
        .enumerate()
        .filter(|(_, ignore)| {
            if ignore.by_name {
                name.is_some_and(|name| ignore.glob.is_match(name))
            } else {
                ignore.glob.is_match(relative)
            }
        })
        .map(|(index, _)| index)
        .collect()
}

/// The settings of a file under `config` (if any) whose per-file ignores
/// `matched` apply, with the command line on top.
fn resolve(config: Option<&Config>, matched: &[usize], overrides: &Overrides) -> FileSettings {
    let mut selection = match (&overrides.select, config) {
        (Some(select), _) => Selection {
            select: Some(select.clone()),
            ..Selection::default()
        },
        (None, Some(config)) => config.selection.clone(),
        (None, None) => Selection::default(),
    };
    selection
        .extend_select
        .extend(overrides.extend_select.iter().cloned());
    selection.ignore.extend(overrides.ignore.iter().cloned());
    if let Some(config) = config {
        for &index in matched {
            selection
                .ignore
                .extend(config.per_file_ignores[index].selectors.iter().cloned());
        }
    }
    let mut disabled = BTreeSet::new();
    let mut severity = BTreeMap::new();
    for meta in registry::all() {
        if !selection.enables(meta) {
            disabled.insert(meta.code);
        }
        let configured = config.and_then(|config| {
            config
                .severity
                .iter()
                .filter(|(selector, _)| selector.names(meta))
                .max_by_key(|(selector, _)| selector.specificity())
                .map(|(_, severity)| *severity)
        });
        if let Some(configured) = configured {
            severity.insert(meta.code, configured);
        }
    }
    let parts = config.map(|config| config.host.clone()).unwrap_or_default();
    let addresses = overrides.addresses.clone().or(parts.addresses);
    let services = overrides.services.clone().or(parts.services);
    let trusted = parts.trusted;
    let host =
        (addresses.is_some() || services.is_some() || trusted.is_some()).then(|| HostProfile {
            addresses: addresses.unwrap_or_default(),
            services: services.unwrap_or_default(),
            trusted: trusted.unwrap_or_default(),
        });
    FileSettings {
        disabled,
        severity,
        fail_on: overrides
            .fail_on
            .or_else(|| config.and_then(|config| config.fail_on))
            .unwrap_or_default(),
        host,
        inline_suppressions: !overrides.no_ignores,
    }
}

/// The host addresses the nearest `fwlint.toml` above `path` declares
/// (`[host] addresses`), for the commands that take `--local-address`
/// (`fwlint trace`, `fwlint graph`) when none is given.
pub fn host_addresses_for(path: &Path) -> Result<Vec<AddrMask>, ConfigError> {
    let mut discovery = Discovery::new(Overrides::default(), None, false)?;
    Ok(discovery
        .for_file(path)?
        .host
        .as_ref()
        .map(|host| host.addresses.clone())
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse("fwlint.toml", PathBuf::from("/project"), text)
    }

    #[test]
    fn a_misspelt_key_is_an_error_with_a_suggestion() {
        let error = parse("selct = [\"FW1\"]\n").expect_err("unknown key");
        assert_eq!(error.diagnostic.name, "unknown-key");
        assert_eq!(error.diagnostic.span, Span::new(0, 5));
        let help = error.diagnostic.help.expect("help");
        assert!(help.starts_with("did you mean `select`?"), "{help}");
        let error = parse("[host]\nadresses = []\n").expect_err("unknown host key");
        let help = error.diagnostic.help.expect("help");
        assert!(help.starts_with("did you mean `addresses`?"), "{help}");
    }

    #[test]
    fn wrong_types_and_values_point_at_the_value() {
        let error = parse("fail-on = \"sometimes\"\n").expect_err("bad value");
        assert_eq!(error.diagnostic.name, "invalid-value");
        assert_eq!(error.diagnostic.span.start, 10);
        let error = parse("select = \"FW1\"\n").expect_err("not a list");
        assert_eq!(error.diagnostic.name, "invalid-value");
        let error = parse("ignore = [\"shadowed-rules\"]\n").expect_err("unknown lint");
        assert_eq!(error.diagnostic.span, Span::new(10, 26));
        assert!(
            error
                .diagnostic
                .message
                .contains("did you mean `shadowed-rule`")
        );
    }

    #[test]
    fn severity_and_per_file_ignores() {
        let config = parse(
            "[severity]\nFW1 = \"warning\"\nshadowed-rule = \"info\"\n\
             [per-file-ignores]\n\"legacy/*.rules\" = [\"style\"]\n\"*.v6\" = [\"FW301\"]\n",
        )
        .expect("valid");
        let plain = resolve(
            Some(&config),
            &matching_ignores(&config, Path::new("/project/a.rules")),
            &Overrides::default(),
        );
        assert_eq!(plain.severity("FW101"), Some(Severity::Warning));
        assert_eq!(plain.severity("FW107"), Some(Severity::Info));
        assert!(plain.enabled("FW301"));
        let legacy = matching_ignores(&config, Path::new("/project/legacy/old.rules"));
        // Patterns are kept in key order: `*.v6` first.
        assert_eq!(legacy, [1]);
        assert!(matching_ignores(&config, Path::new("/project/legacy/deep/old.rules")).is_empty());
        assert_eq!(
            matching_ignores(&config, Path::new("/project/x/rules.v6")),
            [0]
        );
        let settings = resolve(Some(&config), &legacy, &Overrides::default());
        assert!(!settings.enabled("FW301"));
        assert!(settings.enabled("FW107"));
    }

    #[test]
    fn the_command_line_wins() {
        let config = parse("select = [\"FW1\"]\nfail-on = \"error\"\n").expect("valid");
        let from_file = resolve(Some(&config), &[], &Overrides::default());
        assert!(!from_file.enabled("FW301"));
        assert_eq!(from_file.fail_on, FailOn::Error);
        let overrides = Overrides {
            select: Some(vec![Selector::parse("style").expect("category")]),
            fail_on: Some(FailOn::Never),
            ..Overrides::default()
        };
        let from_cli = resolve(Some(&config), &[], &overrides);
        assert!(from_cli.enabled("FW301"));
        assert!(!from_cli.enabled("FW107"));
        assert_eq!(from_cli.fail_on, FailOn::Never);
    }
}
