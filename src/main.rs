// Replay decodes on one thread and folds (and frees) on another; glibc's allocator spends
// a third of a rebuild on such cross-thread frees, mimalloc a small fraction of that.
// mimalloc asks for transparent huge pages: a rebuild's views then fault in 2 MiB at a time
// (~500 faults instead of ~92,000, each costly on a virtual machine), a tenth faster.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    trellis::cli::main()
}
