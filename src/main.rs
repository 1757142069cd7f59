fn main() -> std::process::ExitCode {
    kpilint::panics::install_hook();
    kpilint::alloc::map_large_blocks();
    kpilint::alloc::keep_free_room();
    kpilint::cli::run()
}
