using System.Collections.Concurrent;
using System.Text.Json;
using Gateway.Policy.Evidence;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace Gateway.Proxy.Tests.Record;

/// <summary>The governed gateway with checkpoints every second pushed to a witness: a real Kestrel endpoint that keeps what it receives.</summary>
public sealed class EvidenceGateway : IAsyncLifetime
{
    public GovernedGateway Gateway { get; private set; } = null!;

    public KestrelUpstream Witness { get; private set; } = null!;

    /// <summary>The bodies the witness received, in arrival order.</summary>
    public ConcurrentQueue<JsonElement> Received { get; } = new();

    public async Task InitializeAsync()
    {
        Witness = await KestrelUpstream.StartAsync(app => app.MapPost("/witness", async (HttpContext context) =>
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body);
            Received.Enqueue(document.RootElement.Clone());
            return Results.NoContent();
        }));
        Gateway = await GovernedGateway.StartAsync(configure: builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Evidence:WitnessUrl"] = Witness.Origin + "/witness",
            ["Gateway:Evidence:CheckpointInterval"] = "00:00:01",
        }));
    }

    public async Task<EvidenceKeySet> JwksAsync()
    {
        using var response = await Gateway.Host.Client.GetAsync("/.well-known/gamut-receipt-keys.json");
        Assert.Equal("application/jwk-set+json", response.Content.Headers.ContentType?.MediaType);
        return EvidenceKeySet.Parse(await response.Content.ReadAsStringAsync());
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Witness.DisposeAsync();
    }
}
