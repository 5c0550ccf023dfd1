using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gamut.Agent;

/// <summary>
/// One run of an agent (docs/runs.md): started by <see cref="GamutClient.StartRunAsync"/>, carried by <see cref="Client"/> on
/// every call (and on its provider-native signing: the handler, the OpenAI policy, the MCP transport), its lifecycle
/// events recorded in order (<see cref="StepAsync"/>, <see cref="EventAsync"/>), ended by <see cref="CompleteAsync"/>,
/// <see cref="FailAsync"/> or <see cref="CancelAsync"/>.
/// </summary>
/// <remarks>
/// <c>await using var run = await gamut.StartRunAsync(...)</c> ends, when disposed, a run not ended by then as failed
/// (<c>{"reason":"not_completed"}</c>): a block left by an exception never records a completion. Call
/// <see cref="CompleteAsync"/> as the block's last statement, or use <see cref="GamutClient.RunAsync{T}"/>, which completes
/// (or fails) the run as its callback ends.
/// </remarks>
public sealed class GamutRun : IAsyncDisposable
{
    /// <summary>The lifecycle events an agent may record; the last three end the run.</summary>
    public static readonly IReadOnlyList<string> EventTypes = ["started", "step", "completed", "failed", "cancelled"];

    private readonly GamutClient _owner;

    internal GamutRun(GamutClient owner, JsonElement info)
    {
        _owner = owner;
        Info = info;
        Id = info.GetProperty("run_id").GetString()!;
        Client = owner.InRun(Id);
    }

    /// <summary>The run id (<c>run-</c> and 32 lowercase hex).</summary>
    public string Id { get; }

    /// <summary>The gateway's answer to the start: <c>run_id</c>, <c>agent</c>, <c>created_at</c>, <c>trace_id</c>, <c>parent_run</c>, …</summary>
    public JsonElement Info { get; }

    /// <summary>The run this one is a sub-run of, or null.</summary>
    public string? ParentRun => Info.TryGetProperty("parent_run", out var parent) && parent.ValueKind == JsonValueKind.String ? parent.GetString() : null;

    /// <summary>A client bound to this run (sharing the starting client's connection): every call it makes carries the run.</summary>
    public GamutClient Client { get; }

    /// <summary>How the run ended as far as this agent knows (<c>completed</c>, <c>failed</c>, <c>cancelled</c>, <c>ended</c>), or null.</summary>
    public string? Ended { get; private set; }

    /// <summary>
    /// <c>POST /v1/runs/{id}/events</c>: one lifecycle event, recorded in order in the audit journal; <c>completed</c>,
    /// <c>failed</c> and <c>cancelled</c> end the run. Returns the run's status after it. An ending refused because an
    /// operator cancelled the run first is acknowledged (<c>cancelled</c>) and throws <see cref="GamutRunCancelledException"/>.
    /// </summary>
    public async Task<string> EventAsync(string type, string? name = null, JsonObject? detail = null, CancellationToken cancellationToken = default)
    {
        if (!EventTypes.Contains(type))
        {
            throw new GamutConfigurationException($"A run event is one of {string.Join(", ", EventTypes)}.");
        }

        var body = new JsonObject { ["type"] = type };
        if (name is not null)
        {
            body["name"] = name;
        }

        if (detail is not null)
        {
            body["detail"] = detail.DeepClone();
        }

        JsonElement answer;
        try
        {
            answer = await Client.SendAsync(HttpMethod.Post, $"/v1/runs/{Id}/events", body, null, Client.PersonToken, cancellationToken).ConfigureAwait(false);
        }
        catch (GamutRunCancelledException) when (type != "cancelled")
        {
            await AcknowledgeCancelAsync().ConfigureAwait(false);
            throw;
        }
        catch (GamutRunEndedException)
        {
            Ended ??= "ended";
            throw;
        }

        if (EventTypes.Skip(2).Contains(type))
        {
            Ended = type;
        }

        return answer.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String ? status.GetString()! : type;
    }

    /// <summary>A <c>step</c> event: one named step of the task, with an optional detail object.</summary>
    public Task<string> StepAsync(string name, JsonObject? detail = null, CancellationToken cancellationToken = default) =>
        EventAsync("step", name, detail, cancellationToken);

    /// <summary>Ends the run <c>completed</c>.</summary>
    public Task<string> CompleteAsync(JsonObject? detail = null, CancellationToken cancellationToken = default) =>
        EventAsync("completed", null, detail, cancellationToken);

    /// <summary>Ends the run <c>failed</c>.</summary>
    public Task<string> FailAsync(JsonObject? detail = null, CancellationToken cancellationToken = default) =>
        EventAsync("failed", null, detail, cancellationToken);

    /// <summary>Ends the run <c>cancelled</c> (by the agent itself).</summary>
    public Task<string> CancelAsync(JsonObject? detail = null, CancellationToken cancellationToken = default) =>
        EventAsync("cancelled", null, detail, cancellationToken);

    /// <summary>Ends a run not ended yet as failed (<c>{"reason":"not_completed"}</c>); see the remarks.</summary>
    public async ValueTask DisposeAsync() => await EndAfterAsync(null).ConfigureAwait(false);

    /// <summary>
    /// Runs <paramref name="body"/> with every call of the starting client (and its views) in its flow carrying the run, and
    /// ends the run as it ends: completed, or failed with the exception's type (and code) when it throws; a body ended by the
    /// run's cancellation acknowledges it instead. The body's exception is rethrown, never replaced.
    /// </summary>
    internal async Task<T> ScopeAsync<T>(Func<GamutRun, CancellationToken, Task<T>> body, CancellationToken cancellationToken)
    {
        T result;
        try
        {
            // Set inside this async method: it flows into the body and is gone for the caller once this method returns.
            GamutRunContext.Enter(_owner.Options, Id);
            result = await body(this, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            await EndAfterAsync(error).ConfigureAwait(false);
            throw;
        }

        if (Ended is null)
        {
            await CompleteAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }

        return result;
    }

    private async Task EndAfterAsync(Exception? error)
    {
        if (Ended is not null)
        {
            return;
        }

        if (error is GamutRunCancelledException)
        {
            await AcknowledgeCancelAsync().ConfigureAwait(false);
            return;
        }

        if (error is GamutRunEndedException)
        {
            Ended = "ended";
            return;
        }

        var detail = error is null
            ? new JsonObject { ["reason"] = "not_completed" }
            : new JsonObject { ["error"] = error.GetType().Name };
        if (error is GamutException gamut)
        {
            detail["code"] = gamut.Code;
        }

        try
        {
            // Not the body's token: a cancelled caller still gets its run recorded as failed.
            await FailAsync(detail, CancellationToken.None).ConfigureAwait(false);
        }
        catch (GamutException)
        {
            // The run could not be recorded failed (cancelled meanwhile, say): the body's exception is what the caller sees.
        }
    }

    private async Task AcknowledgeCancelAsync()
    {
        Ended = "cancelled";
        try
        {
            await Client.SendAsync(HttpMethod.Post, $"/v1/runs/{Id}/events", new JsonObject { ["type"] = "cancelled" }, null, Client.PersonToken, CancellationToken.None).ConfigureAwait(false);
        }
        catch (GamutException)
        {
            // The cancellation stands either way; the acknowledgement only records that the agent saw it.
        }
    }
}
