fn main() -> std::process::ExitCode {
    kpilint::alloc::map_large_blocks();
    kpilint::cli::run()
}
