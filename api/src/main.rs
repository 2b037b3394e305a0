//! The `momentum` binary: parse the command line and run.

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
