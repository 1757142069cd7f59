/// glibc's allocator with a cache of small freed blocks per thread in front of it
/// ([`kpilint::alloc::ThreadCache`]).
#[global_allocator]
static ALLOCATOR: kpilint::alloc::ThreadCache = kpilint::alloc::ThreadCache;

fn main() -> std::process::ExitCode {
    kpilint::panics::install_hook();
    kpilint::alloc::map_large_blocks();
    kpilint::alloc::keep_free_room();
    kpilint::cli::run()
}
