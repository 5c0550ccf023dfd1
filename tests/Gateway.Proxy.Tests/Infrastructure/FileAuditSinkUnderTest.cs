using Gateway.Audit;
using Gateway.Audit.Options;
using Microsoft.Extensions.Logging.Abstractions;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// The embedded store with the journal on file (<c>Gateway:Audit:Sink=file</c>): the gateway writes one JSON-lines file
/// per chain under <c>{data directory}/audit</c>; read back with the gateway's own <see cref="FileAuditStore"/> (which cuts a
/// torn last line off, as a restart does).
/// </summary>
public sealed class FileAuditSinkUnderTest(string dataDirectory) : AuditSinkUnderTest
{
    public override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string> { ["Gateway__Audit__Sink"] = File };

    public override async ValueTask<AuditSinkReader> OpenAsync()
    {
        var options = new AuditOptions { Directory = Path.Combine(dataDirectory, "audit") };
        var store = new FileAuditStore(MsOptions.Create(options), NullLogger<FileAuditStore>.Instance);
        await store.RecoverAllAsync();
        return new AuditSinkReader(store, () =>
        {
            store.Dispose();
            return ValueTask.CompletedTask;
        });
    }
}
