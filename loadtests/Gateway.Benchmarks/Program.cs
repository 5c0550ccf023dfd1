namespace Gateway.Benchmarks;

internal static class Program
{
    private static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "cpu-time")
        {
            CpuTimeRunner.Run(args.Length > 1 ? args[1] : string.Empty);
            return;
        }

        BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
