using Microsoft.Extensions.Logging.Testing;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>What a <see cref="FakeLogCollector"/> holds, as text a test can search: one line per record, its level, message and exception.</summary>
internal static class LoggedText
{
    /// <summary>Every record collected so far, one per line.</summary>
    public static string Of(FakeLogCollector logs) =>
        string.Join('\n', logs.GetSnapshot().Select(static r => $"{r.Level}: {r.Message} {r.Exception}"));
}
