fn main() -> std::process::ExitCode {
    gongzhi::cli::main()
}
