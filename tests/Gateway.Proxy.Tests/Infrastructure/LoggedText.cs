using Microsoft.Extensions.Logging.Testing;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>What a <see cref="FakeLogCollector"/> holds, as text a test can search: one line per record, its level, message and exception.</summary>
internal static class LoggedText
{
    /// <summary>Every record collected so far, one per line.</summary>
    public static string Of(FakeLogCollector logs) => Of(logs.GetSnapshot());

    /// <summary><paramref name="records"/>, one per line.</summary>
    public static string Of(IEnumerable<FakeLogRecord> records) =>
        string.Join('\n', records.Select(static r => $"{r.Level}: {r.Message} {r.Exception}"));
}
