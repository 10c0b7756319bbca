//! The `fwlint` binary: parses the command line and hands over to the
//! library; all work happens in `fwlint::cli`.

fn main() -> std::process::ExitCode {
    fwlint::cli::main()
}
