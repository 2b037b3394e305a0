//! The `momentum` binary: parse the command line and run.

/// mimalloc instead of the system allocator: a third of the server's CPU under load went to
/// glibc's malloc and free, and glibc kept the heap of a burst long after it (docs/benchmarks.md,
/// Benchmarks: Views).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match momentum_api::cli::run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
