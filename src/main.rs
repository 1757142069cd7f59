fn main() -> std::process::ExitCode {
    kpilint::panics::install_hook();
    kpilint::alloc::map_large_blocks();
    kpilint::cli::run()
}
