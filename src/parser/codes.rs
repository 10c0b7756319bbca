//! The diagnostic codes of the reader: everything `iptables-restore` or the
//! kernel would refuse, and what they would accept but change or ignore.
//! Codes `FW0xx`; the documentation of each is the doc comment above it.

use crate::declare_code;
use crate::diagnostics::LintMeta;

declare_code! {
    /// ## What it does
    /// Reports lines that `iptables-restore` cannot place: text outside a
    /// `*table` ... `COMMIT` block, a line of only spaces, a `*table` line
    /// inside another table, a `COMMIT` that is not alone on its line or has
    /// no newline at the end of the file, a bad `[packets:bytes]` prefix.
    ///
    /// ## Why is this bad?
    /// `iptables-restore` reads the file line by line and stops at the first
    /// line it cannot place, so nothing after it, and nothing of the table it
    /// is in, is loaded.
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// -A INPUT -j ACCEPT
    /// COMMIT # done
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// -A INPUT -j ACCEPT
    /// COMMIT
    /// ```
    pub static INVALID_LINE = {
        code: "FW001",
        name: "invalid-line",
        category: Syntax,
        summary: "a line iptables-restore cannot place",
    };
}

declare_code! {
    /// ## What it does
    /// Reports options that `iptables` refuses on a rule or command line: an
    /// unknown option, an option of a match that was not loaded (`--dport`
    /// without `-p tcp`), a missing argument, a stray argument, an option
    /// given twice, a `!` where none is allowed.
    ///
    /// ## Why is this bad?
    /// `iptables-restore` stops at the first such line and loads nothing of
    /// its table.
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// -A INPUT --dport 22 -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// -A INPUT -p tcp --dport 22 -j ACCEPT
    /// COMMIT
    /// ```
    pub static INVALID_OPTION = {
        code: "FW002",
        name: "invalid-option",
        category: Syntax,
        summary: "an option iptables refuses here",
    };
}

declare_code! {
    /// ## What it does
    /// Reports values that `iptables` refuses: malformed addresses and
    /// masks, ports and port ranges, protocols, interface names, MAC
    /// addresses, ICMP types, rates, marks, and every other option value
    /// that its extension checks.
    ///
    /// ## Why is this bad?
    /// `iptables-restore` stops at the first such line and loads nothing of
    /// its table.
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// -A INPUT -s 192.168.1.0/33 -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// -A INPUT -s 192.168.1.0/24 -j ACCEPT
    /// COMMIT
    /// ```
    pub static INVALID_VALUE = {
        code: "FW003",
        name: "invalid-value",
        category: Syntax,
        summary: "a value iptables refuses",
    };
}

declare_code! {
    /// ## What it does
    /// Reports a `*table` block that the file ends without closing with
    /// `COMMIT`.
    ///
    /// ## Why is this bad?
    /// `iptables-restore` applies a table only at its `COMMIT`; without it,
    /// it fails with "COMMIT expected" and loads nothing of that table.
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// -A INPUT -j ACCEPT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// -A INPUT -j ACCEPT
    /// COMMIT
    /// ```
    pub static MISSING_COMMIT = {
        code: "FW004",
        name: "missing-commit",
        category: Syntax,
        summary: "a table is never committed",
    };
}

declare_code! {
    /// ## What it does
    /// Reports files with Windows line endings (`\r\n`).
    ///
    /// ## Why is this bad?
    /// `iptables-restore` does not strip the `\r`: `COMMIT\r` is not
    /// `COMMIT`, `ACCEPT\r` is not a target, and the file fails to load.
    /// fwlint reports this once and reads the rest as if the endings were
    /// `\n`, so that the other problems still show.
    ///
    /// ## Example
    /// A file saved by a Windows editor, or checked out with
    /// `core.autocrlf=true`.
    ///
    /// Use instead:
    /// Convert it with `dos2unix`, or `sed -i 's/\r$//' FILE`, and add
    /// `*.rules text eol=lf` to `.gitattributes`.
    pub static CRLF_LINE_ENDINGS = {
        code: "FW005",
        name: "crlf-line-endings",
        category: Syntax,
        summary: "Windows line endings, which iptables-restore refuses",
    };
}

declare_code! {
    /// ## What it does
    /// Reports a `*table` line whose table does not exist.
    ///
    /// ## Why is this bad?
    /// The kernel has only the tables `filter`, `nat`, `mangle`, `raw` and
    /// `security`; `iptables-restore` fails with "unable to initialize
    /// table".
    ///
    /// ## Example
    /// ```iptables
    /// *filters
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// COMMIT
    /// ```
    pub static UNKNOWN_TABLE = {
        code: "FW006",
        name: "unknown-table",
        category: Syntax,
        summary: "a table that does not exist",
    };
}

declare_code! {
    /// ## What it does
    /// Reports chain declarations and chain commands that fail: a name
    /// longer than 28 characters, a chain declared twice, a name that clashes
    /// with a target, a policy on a user chain or on a chain the table does
    /// not have, a policy other than `ACCEPT` or `DROP`, deleting or
    /// renaming a chain that is built in, in use, or not empty.
    ///
    /// ## Why is this bad?
    /// `iptables-restore` stops at the first such line.
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// :LOGGING ACCEPT [0:0]
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// :LOGGING - [0:0]
    /// COMMIT
    /// ```
    pub static INVALID_CHAIN = {
        code: "FW007",
        name: "invalid-chain",
        category: Syntax,
        summary: "a chain declaration or chain command that fails",
    };
}

declare_code! {
    /// ## What it does
    /// Reports rules that iptables or the kernel refuses where they are:
    /// `DROP` in the nat table, `-o` in INPUT or PREROUTING, `-i` in OUTPUT
    /// or POSTROUTING, a match that needs `-p` (`-m tcp` without `-p tcp`),
    /// and targets or matches used in a table or chain they do not work in
    /// (`REJECT` outside INPUT, FORWARD and OUTPUT; `DNAT` outside
    /// PREROUTING and OUTPUT; `-m owner` outside OUTPUT and POSTROUTING),
    /// also through user chains.
    ///
    /// ## Why is this bad?
    /// iptables-restore or the kernel refuses the table, so none of it is
    /// loaded.
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// -A INPUT -m tcp --dport 22 -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
    /// COMMIT
    /// ```
    pub static NOT_ALLOWED_HERE = {
        code: "FW010",
        name: "not-allowed-here",
        category: Syntax,
        summary: "a rule the kernel refuses in this table or chain",
    };
}

declare_code! {
    /// ## What it does
    /// Reports lines beyond the limits of `iptables-restore`: lines longer
    /// than 10,239 bytes, more than 251 arguments on a line, an argument
    /// longer than 1,023 bytes.
    ///
    /// ## Why is this bad?
    /// `iptables-restore` reads lines into a 10,240-byte buffer and splits
    /// longer ones; it refuses too many or too long arguments.
    ///
    /// ## Example
    /// A rule with a 2,000-character `--comment`.
    ///
    /// Use instead:
    /// Shorter comments (the kernel keeps only 255 bytes anyway), or split
    /// the rule.
    pub static LIMIT_EXCEEDED = {
        code: "FW011",
        name: "limit-exceeded",
        category: Syntax,
        summary: "a line beyond the limits of iptables-restore",
    };
}

declare_code! {
    /// ## What it does
    /// Reports match and target extensions that fwlint does not know.
    ///
    /// ## Why is this bad?
    /// fwlint keeps such an extension's options verbatim and treats what it
    /// matches or does as unknown: results that depend on it are reported as
    /// uncertain or not at all. `iptables-restore` refuses the line unless
    /// the extension is installed (as with xtables-addons).
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// -A INPUT -m geoip --src-cc XX -j DROP
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// Nothing, if the extension is installed where the file is loaded;
    /// ignore this code for the file (`# fwlint: file-ignore[unknown-extension]`).
    pub static UNKNOWN_EXTENSION = {
        code: "FW012",
        name: "unknown-extension",
        category: Suspicious,
        summary: "an extension fwlint does not know",
    };
}

declare_code! {
    /// ## What it does
    /// Reports values that iptables accepts but stores differently than
    /// written: a comment longer than 255 bytes or a log prefix longer than
    /// 29, which are cut; a port above 65535, which wraps around; an
    /// interface name the kernel can never have.
    ///
    /// ## Why is this bad?
    /// The loaded rule does not say what the file says, which misleads
    /// whoever reads the file.
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// -A INPUT -p udp -m udp --dport 65536 -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// -A INPUT -p udp -m udp --dport 65535 -j ACCEPT
    /// COMMIT
    /// ```
    pub static VALUE_CHANGED = {
        code: "FW013",
        name: "value-changed",
        category: Suspicious,
        summary: "a value iptables changes silently",
    };
}

declare_code! {
    /// ## What it does
    /// Reports commands that fail because what they act on is not there:
    /// `-D` of a rule that does not exist, `-I`, `-R` or `-D` with a rule
    /// number beyond the end of the chain, `-C` of a missing rule.
    ///
    /// ## Why is this bad?
    /// `iptables-restore` stops at the first failing command.
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// -D INPUT -p tcp --dport 23 -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// Remove the command; a restore file starts from empty chains, so
    /// there is nothing to delete.
    pub static COMMAND_FAILED = {
        code: "FW014",
        name: "command-failed",
        category: Syntax,
        summary: "a command whose rule or position does not exist",
    };
}

declare_code! {
    /// ## What it does
    /// Reports files that are not valid UTF-8.
    ///
    /// ## Why is this bad?
    /// iptables does not care, but editors, review tools and fwlint's
    /// output do; it is often a sign that the wrong file, or a binary one,
    /// is being read. fwlint reads such bytes as U+FFFD.
    ///
    /// ## Example
    /// A comment saved in Latin-1.
    ///
    /// Use instead:
    /// Save the file as UTF-8.
    pub static INVALID_ENCODING = {
        code: "FW015",
        name: "invalid-encoding",
        category: Suspicious,
        summary: "the file is not valid UTF-8",
    };
}

declare_code! {
    /// ## What it does
    /// Reports a double quote that is never closed on its line.
    ///
    /// ## Why is this bad?
    /// `iptables-restore` takes the rest of the line, newline included, as
    /// one argument: a comment or log prefix then holds text that was meant
    /// to be options.
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// -A INPUT -m comment --comment "ssh -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// -A INPUT -m comment --comment "ssh" -j ACCEPT
    /// COMMIT
    /// ```
    pub static UNTERMINATED_QUOTE = {
        code: "FW016",
        name: "unterminated-quote",
        category: Suspicious,
        summary: "a quote that is never closed",
    };
}

declare_code! {
    /// ## What it does
    /// In `--fragment` mode, says what fwlint assumed about the ruleset the
    /// fragment is loaded into: chains it uses without declaring, policies
    /// it does not set.
    ///
    /// ## Why is this bad?
    /// It is not: it keeps fwlint from guessing silently. Check that the
    /// assumptions hold where the fragment is loaded with
    /// `iptables-restore --noflush`.
    ///
    /// ## Example
    /// ```iptables
    /// # with --fragment
    /// *filter
    /// -A ufw-user-input -p tcp --dport 22 -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// Nothing to change; declare the chain in the fragment if it must not
    /// depend on the running ruleset:
    /// ```iptables
    /// # with --fragment
    /// *filter
    /// :ufw-user-input - [0:0]
    /// -A ufw-user-input -p tcp --dport 22 -j ACCEPT
    /// COMMIT
    /// ```
    pub static FRAGMENT_ASSUMPTION = {
        code: "FW017",
        name: "fragment-assumption",
        category: Style,
        summary: "what a --noflush fragment relies on",
    };
}

declare_code! {
    /// ## What it does
    /// Reports lines that `iptables-restore` accepts but that load nothing:
    /// `-4` lines in an IPv6 file and `-6` lines in an IPv4 file, `-L` and
    /// `-S` (which print a listing), `-Z` (which zeroes counters).
    ///
    /// ## Why is this bad?
    /// They look like rules but do nothing when the file is loaded, or do
    /// something other than what a reader expects.
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// -L INPUT
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// COMMIT
    /// ```
    pub static IGNORED_LINE = {
        code: "FW018",
        name: "ignored-line",
        category: Style,
        summary: "a line that loads nothing",
    };
}

declare_code! {
    /// ## What it does
    /// Reports files that contain no table at all: empty files, or files of
    /// only comments and blank lines.
    ///
    /// ## Why is this bad?
    /// `iptables-restore` accepts them and changes nothing, which is rarely
    /// what a rule file is for: a truncated save, or the wrong file.
    ///
    /// ## Example
    /// ```iptables
    /// # Generated by iptables-save
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// :INPUT DROP [0:0]
    /// -A INPUT -i lo -j ACCEPT
    /// COMMIT
    /// ```
    pub static EMPTY_FILE = {
        code: "FW019",
        name: "empty-file",
        category: Suspicious,
        summary: "a file with no table, which loads nothing",
    };
}

declare_code! {
    /// ## What it does
    /// Reports files that are binary (they contain NUL bytes) rather than
    /// text.
    ///
    /// ## Why is this bad?
    /// A rule file is text; `iptables-restore` fails on the first line it
    /// cannot read. fwlint does not read such a file further.
    ///
    /// ## Example
    /// A compressed or binary file passed by mistake.
    ///
    /// Use instead:
    /// Point fwlint and iptables-restore at the text file.
    pub static BINARY_FILE = {
        code: "FW020",
        name: "binary-file",
        category: Syntax,
        summary: "a binary file, not a rule file",
    };
}

declare_code! {
    /// ## What it does
    /// Reports values that `iptables` looks up on the machine that loads the
    /// rules: host names in extension options (`TEE --gateway`, `TPROXY
    /// --on-ip`, `conntrack --ctorigsrc`, ...; in `-s` and `-d` they are
    /// `hostname-in-address`), IPv6 zones that name an interface, user and
    /// group names (`--uid-owner`, `--gid-owner`), connection label names
    /// (`/etc/xtables/connlabel.conf`), device group and realm names
    /// (`/etc/iproute2`), cgroup paths, accounting objects (`nfacct`), and
    /// user-space CT helpers and timeout policies.
    ///
    /// ## Why is this bad?
    /// What the rule matches, and whether the file loads at all, depends on
    /// that machine: a user that does not exist there, a name that does not
    /// resolve at boot, or a label missing from its `connlabel.conf` makes
    /// `iptables-restore` (or the kernel) refuse the whole table. fwlint
    /// cannot know these values, so it treats what the rule matches as
    /// unknown.
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// -A OUTPUT -m owner --uid-owner backup -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// -A OUTPUT -m owner --uid-owner 34 -j ACCEPT
    /// COMMIT
    /// ```
    pub static DEPENDS_ON_HOST = {
        code: "FW021",
        name: "depends-on-host",
        category: Suspicious,
        summary: "a value looked up on the machine that loads the rules",
    };
}

/// Every code of the reader, in order.
pub static ALL: &[&LintMeta] = &[
    &INVALID_LINE,
    &INVALID_OPTION,
    &INVALID_VALUE,
    &MISSING_COMMIT,
    &CRLF_LINE_ENDINGS,
    &UNKNOWN_TABLE,
    &INVALID_CHAIN,
    &NOT_ALLOWED_HERE,
    &LIMIT_EXCEEDED,
    &UNKNOWN_EXTENSION,
    &VALUE_CHANGED,
    &COMMAND_FAILED,
    &INVALID_ENCODING,
    &UNTERMINATED_QUOTE,
    &FRAGMENT_ASSUMPTION,
    &IGNORED_LINE,
    &EMPTY_FILE,
    &BINARY_FILE,
    &DEPENDS_ON_HOST,
];
