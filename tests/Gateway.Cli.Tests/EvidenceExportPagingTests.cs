using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Gateway.Cli.Tests;

/// <summary>
/// <c>gatewayctl evidence export --from/--to</c> when the audit query's pages leave out a record of a chain between two it
/// returns (one that became visible after its page was read): the exporter fetches it by chain and seq, or fails naming it,
/// and never writes a pack that would not verify. A real Kestrel proxy in front of the real gateway drops the record.
/// </summary>
public sealed class EvidenceExportPagingTests : IAsyncLifetime
{
    private const string ReadContact = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";
    private readonly HttpClient _forward = new();
    private DemoGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await DemoGateway.StartAsync();

    public async Task DisposeAsync()
    {
        _forward.Dispose();
        await _gw.DisposeAsync();
    }

    [Fact]
    public async Task EvidenceExport_QueryPageLeavesOutARecordBetween_FetchesItByChainAndSeqAndThePackVerifies()
    {
        var dropped = new DroppedRecord(fromChainReads: false);
        await using var proxy = await AnsweringServer.StartAsync(context => ForwardAsync(context, dropped));
        var (pack, export) = await ExportThroughAsync(proxy);

        Assert.True(export.ExitCode == 0, export.Out + export.Error);
        Assert.NotNull(dropped.Seq);
        var lines = PackZip.Read(pack, "records.jsonl").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, line => IsRecord(line, dropped.Replica!, dropped.Seq!.Value));
        var verified = await CliRun.RunAsync("evidence", "verify", pack);
        Assert.True(verified.ExitCode == 0, verified.Out + verified.Error);
    }

    [Fact]
    public async Task EvidenceExport_RecordBetweenCannotBeFetched_FailsNamingItAndWritesNoPack()
    {
        var dropped = new DroppedRecord(fromChainReads: true);
        await using var proxy = await AnsweringServer.StartAsync(context => ForwardAsync(context, dropped));
        var (pack, export) = await ExportThroughAsync(proxy);

        Assert.Equal(2, export.ExitCode);
        Assert.NotNull(dropped.Seq);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"record_gap: replica {dropped.Replica} seq {dropped.Seq} "), export.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(pack));
        Assert.False(File.Exists(pack + ".partial"));
    }

    private async Task<(string Pack, CliResult Export)> ExportThroughAsync(AnsweringServer proxy)
    {
        var from = DateTimeOffset.UtcNow.AddMinutes(-1);
        foreach (var id in new[] { "c-1", "c-2", "c-3" })
        {
            await _gw.EvaluateAsync(ReadContact.Replace("c-1", id, StringComparison.Ordinal));
        }

        var pack = Path.Combine(Directory.CreateTempSubdirectory("gatewayctl-pack-").FullName, "pack.zip");
        var export = await CliRun.RunAsync(new Dictionary<string, string?> { ["GATEWAY_ADMIN_TOKEN"] = DemoGateway.AdminToken }, "evidence", "export", "--tenant", DemoGateway.Tenant,
            "--from", from.ToString("O", CultureInfo.InvariantCulture), "--to", DateTimeOffset.UtcNow.AddMinutes(5).ToString("O", CultureInfo.InvariantCulture),
            "-o", pack, "--url", proxy.BaseAddress.ToString());
        return (pack, export);
    }

    // Forwards to the gateway; leaves the second record of the first query page out (and, when asked, out of the chain's reads).
    private async Task ForwardAsync(HttpContext context, DroppedRecord dropped)
    {
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(_gw.BaseAddress, context.Request.Path + context.Request.QueryString));
        request.Headers.TryAddWithoutValidation("Authorization", context.Request.Headers.Authorization.ToString());
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            request.Content = new ByteArrayContent(body.ToArray());
            request.Content.Headers.TryAddWithoutValidation("Content-Type", context.Request.ContentType);
        }

        using var response = await _forward.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var path = context.Request.Path.Value ?? string.Empty;
        if (response.IsSuccessStatusCode && path.EndsWith("/audit/query", StringComparison.Ordinal) && dropped.Seq is null)
        {
            var page = JsonNode.Parse(text)!.AsObject();
            var records = page["records"]!.AsArray();
            Assert.True(records.Count >= 3, text);
            dropped.Replica = records[1]!["replica"]!.GetValue<string>();
            dropped.Seq = records[1]!["seq"]!.GetValue<long>();
            records.RemoveAt(1);
            text = page.ToJsonString();
        }
        else if (response.IsSuccessStatusCode && dropped.FromChainReads && dropped.Seq is { } seq && path.TrimEnd('/').EndsWith("/audit", StringComparison.Ordinal))
        {
            var page = JsonNode.Parse(text)!.AsObject();
            var records = page["records"]!.AsArray();
            foreach (var record in records.Where(r => r is JsonObject o && o["seq"]?.GetValue<long>() == seq).ToList())
            {
                records.Remove(record);
            }

            text = page.ToJsonString();
        }

        context.Response.StatusCode = (int)response.StatusCode;
        context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
        await context.Response.WriteAsync(text);
    }

    private static bool IsRecord(string line, string replica, long seq)
    {
        using var record = JsonDocument.Parse(line);
        return record.RootElement.GetProperty("replica").GetString() == replica && record.RootElement.GetProperty("seq").GetInt64() == seq;
    }

    private sealed class DroppedRecord(bool fromChainReads)
    {
        public bool FromChainReads { get; } = fromChainReads;

        public string? Replica { get; set; }

        public long? Seq { get; set; }
    }
}
