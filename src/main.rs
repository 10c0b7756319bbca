//! The `fwlint` binary: parses the command line and hands over to the
//! library; all work happens in `fwlint::cli`.

// The reader and the analysis make many small allocations, from both
// threads; mimalloc serves them several times faster than the system
// allocator (measured in README, "Performance").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    fwlint::cli::main()
}
