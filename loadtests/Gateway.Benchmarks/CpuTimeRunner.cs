using System.Diagnostics;
using System.Linq.Expressions;
using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace Gateway.Benchmarks;

/// <summary>
/// <c>cpu-time [filter]</c>: runs every <see cref="BenchmarkAttribute"/> method (whose type and name contain the
/// filter) in a loop and reports the process's CPU time per call (user + system, all threads, so GC is
/// included) and the bytes allocated per call: the least of seven samples of at least half a second each. On a shared machine wall-clock benchmarks measure the
/// neighbours; CPU time does not count the time the process waited for a core. Indicative only (caches
/// and frequency are still shared); BenchmarkDotNet's figures stay the reference on a quiet machine.
/// </summary>
internal static class CpuTimeRunner
{
    private const int Samples = 6;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(2);

    public static void Run(string filter)
    {
        Console.WriteLine("| benchmark | CPU µs/op (least of samples) | allocated B/op | ops × samples |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var type in typeof(CpuTimeRunner).Assembly.GetTypes().Where(static t => t.GetMethods().Any(static m => m.GetCustomAttribute<BenchmarkAttribute>() is not null)).OrderBy(static t => t.Name, StringComparer.Ordinal))
        {
            foreach (var method in type.GetMethods().Where(static m => m.GetCustomAttribute<BenchmarkAttribute>() is not null))
            {
                var name = type.Name + "." + method.Name;
                if (!name.Contains(filter, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                var instance = Activator.CreateInstance(type)!;
                if (type.GetProperties().FirstOrDefault(static p => p.GetCustomAttribute<ParamsAttribute>() is not null) is { } parameter)
                {
                    parameter.SetValue(instance, parameter.GetCustomAttribute<ParamsAttribute>()!.Values[0]);
                }

                type.GetMethods().FirstOrDefault(static m => m.GetCustomAttribute<GlobalSetupAttribute>() is not null)?.Invoke(instance, null);
                // A compiled call (a value-type result is boxed: 24 bytes more per call than BenchmarkDotNet reports).
                var call = Expression.Lambda<Func<object>>(Expression.Convert(Expression.Call(Expression.Constant(instance), method), typeof(object))).Compile();
                // Warm-up long enough for tiered compilation to reach its optimised code (call counting starts after 100 ms).
                var warmup = Stopwatch.StartNew();
                while (warmup.Elapsed < Budget / 2)
                {
                    Measure(call, 100, out _, out _);
                }

                var ops = 1_000;
                double cpu;
                long allocated;
                while (true)
                {
                    var wall = Stopwatch.StartNew();
                    Measure(call, ops, out cpu, out allocated);
                    if (wall.Elapsed >= Budget / 4 || ops >= 50_000_000)
                    {
                        break;
                    }

                    ops *= 4;
                }

                // The least of several samples: interference only ever adds time.
                var best = cpu;
                for (var sample = 0; sample < Samples; sample++)
                {
                    Measure(call, ops, out cpu, out _);
                    best = Math.Min(best, cpu);
                }

                Console.WriteLine($"| {name} | {best / ops * 1e6:F2} | {allocated / ops} | {ops} × {Samples + 1} |");
            }
        }
    }

    private static void Measure(Func<object> call, int ops, out double cpuSeconds, out long allocated)
    {
        var process = Process.GetCurrentProcess();
        GC.Collect();
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < ops; i++)
        {
            GC.KeepAlive(call());
        }

        allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        process.Refresh();
        cpuSeconds = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
    }
}
