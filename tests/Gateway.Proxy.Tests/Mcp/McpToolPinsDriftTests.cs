using Gateway.Oversight.Incidents;
using Gateway.Policy;
using Gateway.Proxy.Mcp;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// What a pinned tool's drift leaves behind: one incident per served definition it has not reported lately, and a memory
/// of those definitions that stays small however many a server makes up (a description carrying a counter or a timestamp).
/// </summary>
public sealed class McpToolPinsDriftTests : IAsyncLifetime
{
    private const string Tenant = "demo";
    private McpGateway _mcp = null!;

    public async Task InitializeAsync() => _mcp = await McpGateway.StartAsync();

    public async Task DisposeAsync() => await _mcp.DisposeAsync();

    [Fact]
    public async Task ReportDrift_ServerServingANewDigestEveryListing_KeepsItsMemoryBounded()
    {
        var pins = _mcp.Gateway.Host.Services.GetRequiredService<McpToolPins>();
        var entry = Pinned("files.write", "sha256:pinned");

        for (var listing = 0; listing < 100; listing++)
        {
            await pins.ReportDriftAsync(Tenant, "demo-agent", null, entry, Drift("sha256:served-" + listing));
        }

        Assert.InRange(pins.RememberedDigests, 1, McpToolPins.RememberedPerTool);
        // Each served definition it had not reported lately opens its incident: none is lost for the memory's bound.
        Assert.Equal(100, await DriftIncidentsAsync("files.write"));
    }

    [Fact]
    public async Task ReportDrift_ServerAlternatingTwoDigests_OpensOneIncidentForEach()
    {
        var pins = _mcp.Gateway.Host.Services.GetRequiredService<McpToolPins>();
        var entry = Pinned("files.write", "sha256:pinned");

        for (var listing = 0; listing < 40; listing++)
        {
            await pins.ReportDriftAsync(Tenant, "demo-agent", null, entry, Drift(listing % 2 == 0 ? "sha256:a" : "sha256:b"));
        }

        Assert.Equal(2, await DriftIncidentsAsync("files.write"));
        Assert.Equal(2, pins.RememberedDigests);
    }

    [Fact]
    public async Task ReportDrift_PinRenewedThenTheSameDigestServed_OpensAnIncidentForTheNewPin()
    {
        var pins = _mcp.Gateway.Host.Services.GetRequiredService<McpToolPins>();

        await pins.ReportDriftAsync(Tenant, "demo-agent", null, Pinned("files.write", "sha256:first"), Drift("sha256:served"));
        await pins.ReportDriftAsync(Tenant, "demo-agent", null, Pinned("files.write", "sha256:first"), Drift("sha256:served"));
        await pins.ReportDriftAsync(Tenant, "demo-agent", null, Pinned("files.write", "sha256:renewed"), Drift("sha256:served"));

        Assert.Equal(2, await DriftIncidentsAsync("files.write"));
        Assert.Equal(1, pins.RememberedDigests);
    }

    private static CatalogEntry Pinned(string name, string pin) => new()
    {
        Name = name,
        Kind = ConnectorKind.McpTool,
        ActionType = ActionType.Write,
        Connector = "files",
        McpTool = "write_file",
        Pin = pin,
    };

    private static McpToolPin Drift(string served) => new(McpToolPinState.Drifted, served);

    private async Task<int> DriftIncidentsAsync(string tool)
    {
        var listed = await _mcp.Gateway.Host.Services.GetRequiredService<IncidentService>().ListAsync(Tenant, limit: 1000);
        return listed.Count(i => i.Tool == tool);
    }
}
