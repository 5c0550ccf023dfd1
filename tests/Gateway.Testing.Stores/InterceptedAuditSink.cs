using System.Text;
using Gateway.Audit;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Testing.Stores;

/// <summary>Decides one append of an audit sink: fails it, holds it, or passes it on with <c>append</c>.</summary>
public delegate ValueTask<bool> AuditAppendIntercept(IReadOnlyList<byte[]> lines, Func<ValueTask<bool>> append);

/// <summary>
/// The gateway's own audit sink (the file journal) with each append first handed to a test's intercept: the one builder of a
/// sink that goes down (<see cref="AddFailingFileAuditSink"/>) or holds appends, so that no test writes its own.
/// </summary>
public static class InterceptedAuditSink
{
    /// <summary>Installs the file journal as the sink, every append for which <paramref name="failsNow"/> holds failing as a sink that went down fails it.</summary>
    public static IServiceCollection AddFailingFileAuditSink(this IServiceCollection services, Func<IReadOnlyList<byte[]>, bool> failsNow) =>
        services.AddInterceptedFileAuditSink((lines, append) =>
            failsNow(lines) ? ValueTask.FromException<bool>(new IOException("Injected: the audit sink went down.")) : append());

    /// <summary>Installs the file journal as the sink, its appends going through <paramref name="intercept"/>; <paramref name="built"/> is told the sink once built.</summary>
    public static IServiceCollection AddInterceptedFileAuditSink(this IServiceCollection services, AuditAppendIntercept intercept, Action<IAuditStore>? built = null) =>
        services.AddSingleton<IAuditStore>(sp =>
        {
            var sink = new Sink(ActivatorUtilities.CreateInstance<FileAuditStore>(sp), intercept);
            built?.Invoke(sink);
            return sink;
        });

    /// <summary>True when one of <paramref name="lines"/> (UTF-8 records) contains <paramref name="text"/>.</summary>
    public static bool Carries(IReadOnlyList<byte[]> lines, string text) =>
        lines.Any(l => Encoding.UTF8.GetString(l).Contains(text, StringComparison.Ordinal));

    private sealed class Sink(FileAuditStore inner, AuditAppendIntercept intercept) : DelegatingAuditStore(inner), IDisposable
    {
        private readonly FileAuditStore _file = inner;

        public override ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, CancellationToken cancellationToken = default) =>
            intercept(lines, () => base.TryAppendAsync(partition, expectedLength, lines, lastHash, explanations, receipts, cancellationToken));

        public void Dispose() => _file.Dispose();
    }
}
