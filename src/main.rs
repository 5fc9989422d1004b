// Replay decodes on one thread and folds (and frees) on another; glibc's allocator spends
// a third of a rebuild on such cross-thread frees, mimalloc a small fraction of that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    trellis::cli::main()
}
