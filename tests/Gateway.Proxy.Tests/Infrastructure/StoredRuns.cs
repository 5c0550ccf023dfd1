using Gateway.Oversight.Options;
using Gateway.Oversight.Runs;
using Gateway.Proxy.Authenticate;
using Gateway.Store;
using Gateway.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>A real (embedded) run store on a manual clock, and the agent and runs the run kinds' stage tests use.</summary>
internal sealed class StoredRuns
{
    /// <summary>The agent <c>agent-a</c> of tenant <c>t1</c>, as authenticated.</summary>
    public static readonly AgentIdentity Agent = new(new Gateway.Policy.AuthenticatedCaller("t1", "w", "agent-a"), "nonce-nonce-nonce-1", 0);

    public StoredRuns() => Runs = new RunStore(new InMemoryStateStore(Time), Time, MsOptions.Create(new OversightOptions()));

    public ManualTimeProvider Time { get; } = new();

    public RunStore Runs { get; }

    /// <summary>A new run of <see cref="Agent"/>, not stored.</summary>
    public RunRecord NewRun() => new()
    {
        Id = RunIds.New(),
        Tenant = "t1",
        Workspace = "w",
        Agent = "agent-a",
        StartedBy = "agent-a",
        CreatedAt = Time.GetUtcNow(),
        ExpiresAt = Time.GetUtcNow().AddHours(1),
        TraceId = new string('a', 32),
    };
}
