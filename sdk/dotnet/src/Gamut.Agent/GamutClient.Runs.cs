using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gamut.Agent;

/// <summary>Runs (docs/runs.md): starting one, a client bound to one, and a scope whose every call carries one.</summary>
public sealed partial class GamutClient
{
    /// <summary>
    /// The run every call of this client carries (<c>X-Gamut-Run</c>, covered by the signature): the one it is bound to
    /// (<see cref="InRun"/>), else the run of the enclosing <see cref="RunAsync{T}"/> scope of this agent, else null.
    /// </summary>
    public string? RunId => _run ?? GamutRunContext.CurrentFor(Options);

    /// <summary>
    /// A client whose calls (and provider-native signing) belong to the run <paramref name="runId"/>. It shares this
    /// client's connection; disposing it does not close this one.
    /// </summary>
    public GamutClient InRun(string runId) => new(this, PersonToken, GamutRunContext.Check(runId));

    /// <summary>
    /// <c>POST /v1/runs</c>: starts a run (a sub-run of the one this client carries, if any) and returns it; its
    /// <see cref="GamutRun.Client"/> carries it. <c>await using var run = await gamut.StartRunAsync(...)</c>, then
    /// <see cref="GamutRun.CompleteAsync"/> at the end of the block (disposal records a run not ended as failed).
    /// </summary>
    public async Task<GamutRun> StartRunAsync(GamutRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject();
        if (options?.Framework is { } framework)
        {
            body["framework"] = framework;
        }

        if (options?.Purpose is { } purpose)
        {
            body["purpose"] = purpose;
        }

        if (options?.ParentRun is { } parent)
        {
            body["parent_run"] = GamutRunContext.Check(parent);
        }

        var answer = await SendAsync(HttpMethod.Post, "/v1/runs", body, null, PersonToken, cancellationToken).ConfigureAwait(false);
        string? Text(string name) => answer.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        if (!GamutRunContext.IsRunId(Text("run_id")))
        {
            throw new GamutProtocolException("The gateway answered the run's start without a run id.");
        }

        if ((Text("tenant") ?? Options.Tenant) != Options.Tenant || (Text("agent") != Options.AgentId && Text("started_by") != Options.AgentId))
        {
            throw new GamutIdentityMismatchException($"The run names agent '{Text("agent")}' of tenant '{Text("tenant")}', not this agent.");
        }

        return new GamutRun(this, answer);
    }

    /// <summary>
    /// Starts a run, runs <paramref name="body"/> with every call of this client (and of its views) in its flow carrying
    /// the run — the governed actions, the signing handler, the OpenAI policy, the MCP transport — and ends the run as
    /// <paramref name="body"/> ends: completed, or failed when it throws (the exception is rethrown). An operator's cancel
    /// surfaces as <see cref="GamutRunCancelledException"/>.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<GamutRun, CancellationToken, Task<T>> body, GamutRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        await using var run = await StartRunAsync(options, cancellationToken).ConfigureAwait(false);
        return await run.ScopeAsync(body, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc cref="RunAsync{T}"/>
    public Task RunAsync(Func<GamutRun, CancellationToken, Task> body, GamutRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return RunAsync<bool>(async (run, token) =>
        {
            await body(run, token).ConfigureAwait(false);
            return true;
        }, options, cancellationToken);
    }
}
