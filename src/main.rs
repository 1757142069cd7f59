fn main() -> std::process::ExitCode {
    kpilint::cli::run()
}
