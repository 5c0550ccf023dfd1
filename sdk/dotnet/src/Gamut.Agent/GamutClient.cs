using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Gamut.Agent;

/// <summary>
/// Signed, fail-closed calls to the gateway's governed actions: <see cref="EvaluateAsync"/>,
/// <see cref="InvokeToolAsync"/>, <see cref="ContextAsync"/>, <see cref="ModelAsync"/>, and approvals.
/// Every failure is a typed <see cref="GamutException"/>; nothing is retried in a way that could run an
/// action twice (only a request refused for approval is retried, once, with the warrant).
/// </summary>
public sealed partial class GamutClient : IDisposable
{
    private static readonly HashSet<string> AllowFamily = ["allow", "allow_and_log", "degrade"];
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly bool _ownsHttp = true;
    private readonly string? _run;

    /// <param name="options">Exactly the five GAMUT_* values (validated here).</param>
    /// <param name="innerHandler">The transport under the signing handler (default: a SocketsHttpHandler without redirects); a supplied
    /// HttpClientHandler or SocketsHttpHandler (or one under DelegatingHandlers) has its AllowAutoRedirect turned off, and is refused once it has sent with it on.</param>
    /// <param name="timeProvider">The clock for signatures and approval deadlines.</param>
    public GamutClient(GamutOptions options, HttpMessageHandler? innerHandler = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        BaseUri = options.Validate();
        Options = options;
        _time = timeProvider ?? TimeProvider.System;
        _http = new HttpClient(new GamutSigningHandler(options, innerHandler, _time)) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
    }

    private GamutClient(GamutClient parent, string? personToken, string? runId)
    {
        (BaseUri, Options, _time, _http, _ownsHttp) = (parent.BaseUri, parent.Options, parent._time, parent._http, false);
        PersonToken = personToken;
        _run = runId;
    }

    /// <summary>The identity token of the person every call of this client acts for; null for the agent alone.</summary>
    public string? PersonToken { get; }

    /// <summary>
    /// A client whose calls act for the person <paramref name="personToken"/> names (their identity token from the tenant's
    /// OpenID provider, sent as <c>X-Gamut-Person</c> and covered by each request's signature). It shares this client's
    /// connection; disposing it does not close this one. A token that is not a compact JWS (three base64url parts, as the
    /// gateway requires) is refused here with <see cref="GamutConfigurationException"/>, without repeating it.
    /// </summary>
    public GamutClient ForPerson(string personToken) => new(this, PersonTokenShape.Check(personToken), _run);

    /// <summary>A client from GAMUT_BASE_URL, GAMUT_TENANT_SLUG, GAMUT_WORKSPACE_ID, GAMUT_AGENT_ID, GAMUT_BYO_AGENT_SECRET.</summary>
    public static GamutClient FromEnvironment() => new(GamutOptions.FromEnvironment());

    public GamutOptions Options { get; }

    /// <summary>The clock this client's signatures, deadlines and timeouts run on.</summary>
    internal TimeProvider Time => _time;

    /// <summary>The gateway's base URL (validated).</summary>
    public Uri BaseUri { get; }

    /// <summary>The provider-native base URL of a connector, e.g. <c>&lt;base&gt;/providers/openai/</c>.</summary>
    public Uri ProviderUri(string connector)
    {
        if (!ConnectorName().IsMatch(connector))
        {
            throw new GamutConfigurationException($"'{connector}' is not a connector name.");
        }

        return new Uri($"{BaseUri.AbsoluteUri.TrimEnd('/')}/providers/{connector}/");
    }

    /// <summary>
    /// A handler that signs for this gateway, for provider-native clients (<c>new HttpClient(gamut.CreateSigningHandler())</c>);
    /// each request carries this client's run (<see cref="RunId"/>, read as it is sent) and person (<see cref="PersonToken"/>,
    /// signed as the person line) unless it names one itself.
    /// </summary>
    public GamutSigningHandler CreateSigningHandler(HttpMessageHandler? innerHandler = null) => new(Options, innerHandler, _time) { Run = () => RunId, Person = PersonToken };

    /// <summary>
    /// POST /v1/evaluate: decide only. Returns the decision for the allow family; throws for every other outcome. An
    /// evaluation with a <see cref="ToolCallOptions.Warrant"/> checks the warrant without spending it and carries no
    /// decision token (only the action that presents the warrant carries it out); a token it does carry is still checked.
    /// </summary>
    public async Task<GamutDecision> EvaluateAsync(string tool, JsonObject? args = null, ToolCallOptions? options = null, CancellationToken cancellationToken = default)
    {
        var answer = await SendAsync(HttpMethod.Post, "/v1/evaluate", ToolBody(tool, args, options), options?.Timeout, options?.PersonToken ?? PersonToken, cancellationToken).ConfigureAwait(false);
        return CheckDecision(answer, tool, requireInvoked: false, simulate: options?.Simulate == true, evaluatedWithWarrant: options?.Warrant is not null);
    }

    /// <summary>POST /v1/actions/invoke-tool. With <see cref="ToolCallOptions.WaitForApproval"/>, waits and retries once with the warrant.</summary>
    public Task<GamutDecision> InvokeToolAsync(string tool, JsonObject? args = null, ToolCallOptions? options = null, CancellationToken cancellationToken = default) =>
        GovernedAsync("/v1/actions/invoke-tool", ToolBody(tool, args, options), tool, options?.WaitForApproval, options?.Timeout, options?.PersonToken ?? PersonToken, cancellationToken);

    /// <summary>POST /v1/actions/context: a bounded, tenant-scoped context pack.</summary>
    public Task<GamutDecision> ContextAsync(string scope, string? query = null, int? maxBytes = null, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject { ["scope"] = scope };
        if (query is not null)
        {
            body["query"] = query;
        }

        if (maxBytes is { } max)
        {
            body["max_bytes"] = max;
        }

        return GovernedAsync("/v1/actions/context", body, null, null, null, PersonToken, cancellationToken);
    }

    /// <summary>POST /v1/actions/model: a provider-native request through a model connector (the gateway holds the key).</summary>
    public Task<GamutDecision> ModelAsync(string connector, JsonNode request, ApprovalWait? waitForApproval = null, CancellationToken cancellationToken = default) =>
        GovernedAsync("/v1/actions/model", new JsonObject { ["connector"] = connector, ["request"] = request.DeepClone() }, connector, waitForApproval, null, PersonToken, cancellationToken);

    /// <summary>GET /v1/approvals/{id}, for this client's person (<see cref="PersonToken"/>) when it acts for one.</summary>
    public async Task<ApprovalState> GetApprovalAsync(string approvalId, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(approvalId) || !SafeId().IsMatch(approvalId))
        {
            throw new GamutConfigurationException("An approval id is required.");
        }

        var answer = await SendAsync(HttpMethod.Get, $"/v1/approvals/{approvalId}", null, null, PersonToken, cancellationToken).ConfigureAwait(false);
        var state = answer.Deserialize<ApprovalState>() ?? throw new GamutProtocolException("The approval answer is empty.");
        return state.Id == approvalId ? state : throw new GamutIdentityMismatchException($"The gateway answered for approval '{state.Id}', not '{approvalId}'.");
    }

    /// <summary>Polls with backoff until approved (returns the warrant), denied, expired or the deadline (typed exceptions).</summary>
    public async Task<string> WaitForApprovalAsync(string approvalId, ApprovalWait? wait = null, string? tool = null, CancellationToken cancellationToken = default)
    {
        wait ??= new ApprovalWait();
        var deadline = _time.GetUtcNow() + wait.Deadline;
        var interval = wait.InitialInterval;
        while (true)
        {
            var state = await GetApprovalAsync(approvalId, cancellationToken).ConfigureAwait(false);
            switch (state.Status)
            {
                case "approved":
                    var warrant = state.Warrant ?? throw new GamutProtocolException($"Approval {approvalId} is approved but carries no warrant.");
                    CheckIdentity(warrant, "w1.", tool, $"the warrant of approval {approvalId}");
                    return warrant;
                case "denied":
                    throw new GamutApprovalDeniedException($"Approval {approvalId} was denied.");
                case "expired":
                    throw new GamutApprovalExpiredException($"Approval {approvalId} expired before it was approved.");
                case "pending":
                    break;
                default:
                    throw new GamutProtocolException($"Approval {approvalId} has an unknown status '{state.Status}'.");
            }

            wait.OnPending?.Invoke(state);
            var remaining = deadline - _time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                throw new GamutApprovalTimeoutException($"Approval {approvalId} was still pending at the deadline.");
            }

            await Task.Delay(interval < remaining ? interval : remaining, _time, cancellationToken).ConfigureAwait(false);
            interval = TimeSpan.FromTicks(Math.Min(interval.Ticks * 2, wait.MaxInterval.Ticks));
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private async Task<GamutDecision> GovernedAsync(string target, JsonObject body, string? tool, ApprovalWait? wait, TimeSpan? timeout, string? person, CancellationToken cancellationToken)
    {
        JsonElement answer;
        try
        {
            answer = await SendAsync(HttpMethod.Post, target, body, timeout, person, cancellationToken).ConfigureAwait(false);
        }
        catch (GamutApprovalRequiredException required) when (wait is not null)
        {
            // The first attempt was refused (not invoked), so one retry with the warrant cannot run the action twice.
            var warrant = await WaitForApprovalAsync(required.ApprovalId, wait, tool, cancellationToken).ConfigureAwait(false);
            var retried = (JsonObject)body.DeepClone();
            retried["warrant"] = warrant;
            answer = await SendAsync(HttpMethod.Post, target, retried, timeout, person, cancellationToken).ConfigureAwait(false);
        }

        return CheckDecision(answer, tool, requireInvoked: true);
    }

    private GamutDecision CheckDecision(JsonElement answer, string? tool, bool requireInvoked, bool simulate = false, bool evaluatedWithWarrant = false)
    {
        if (answer.ValueKind != JsonValueKind.Object
            || !answer.TryGetProperty("decision", out var decisionElement) || decisionElement.ValueKind != JsonValueKind.String
            || !answer.TryGetProperty("invoked", out var invokedElement) || invokedElement.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw new GamutProtocolException("The gateway answered without a decision.");
        }

        var decision = decisionElement.GetString()!;
        var invoked = invokedElement.GetBoolean();
        JsonElement? explanation = answer.TryGetProperty("explanation", out var e) ? e.Clone() : null;
        if (!AllowFamily.Contains(decision))
        {
            throw new GamutDeniedException($"The gateway decided {decision}.", decision, 200, decision, explanation);
        }

        if (requireInvoked && !invoked)
        {
            throw new GamutNotInvokedException($"The gateway decided {decision} but did not invoke the connector.", decision, explanation);
        }

        var token = answer.TryGetProperty("decision_token", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        // A simulation may execute nothing, so it carries no token, nor does an evaluation allowed by a warrant (only the
        // warrant, spent by the action, carries it out: docs/agent-protocol.md); any token present is still checked.
        if (token is not null || (decision != "degrade" && !simulate && !evaluatedWithWarrant))
        {
            CheckIdentity(token ?? throw new GamutIdentityMismatchException("The decision carries no decision token to check the identity against."), "v1.", tool, "the decision token");
        }

        int? upstream = answer.TryGetProperty("upstream_status", out var u) && u.ValueKind == JsonValueKind.Number ? u.GetInt32() : null;
        JsonElement? result = answer.TryGetProperty("result", out var r) ? r.Clone() : null;
        if (upstream is { } status && status is < 200 or > 299)
        {
            throw new GamutUpstreamException($"The connector's upstream answered {status}.", decision, explanation, status, result);
        }

        var simulated = answer.TryGetProperty("simulated", out var s) && s.ValueKind == JsonValueKind.True;
        var receipt = answer.TryGetProperty("receipt", out var signed) && signed.ValueKind == JsonValueKind.String ? signed.GetString() : null;
        return new GamutDecision(invoked, decision, explanation ?? default, token, result, upstream, simulated, receipt);
    }

    private void CheckIdentity(string token, string prefix, string? tool, string what)
    {
        var parts = token.Split('.');
        JsonElement payload;
        try
        {
            if (!token.StartsWith(prefix, StringComparison.Ordinal) || parts.Length != 3)
            {
                throw new FormatException("shape");
            }

            using var document = JsonDocument.Parse(Convert.FromBase64String(Base64UrlToBase64(parts[1])));
            payload = document.RootElement.Clone();
        }
        catch (Exception error) when (error is FormatException or JsonException)
        {
            throw new GamutIdentityMismatchException($"{what} is not a readable token.");
        }

        var mismatches = new List<string>();
        if (Claim(payload, "tid") != Options.Tenant)
        {
            mismatches.Add($"tenant '{Claim(payload, "tid")}'");
        }

        if (Claim(payload, "aid") != Options.AgentId)
        {
            mismatches.Add($"agent '{Claim(payload, "aid")}'");
        }

        if (tool is not null && Claim(payload, "tool") is { } named && named != tool)
        {
            mismatches.Add($"tool '{named}'");
        }

        if (mismatches.Count > 0)
        {
            throw new GamutIdentityMismatchException($"{what} names {string.Join(", ", mismatches)}, not this agent's request.");
        }

        static string? Claim(JsonElement payload, string name) =>
            payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    private static JsonObject ToolBody(string tool, JsonObject? args, ToolCallOptions? options)
    {
        if (string.IsNullOrEmpty(tool))
        {
            throw new GamutConfigurationException("A tool name is required.");
        }

        var body = new JsonObject { ["tool"] = tool, ["args"] = args?.DeepClone() ?? new JsonObject() };
        if (options?.Targets is { } targets)
        {
            body["targets"] = targets.DeepClone();
        }

        if (options?.DataClasses is { } classes)
        {
            body["data_classes"] = new JsonArray([.. classes.Select(c => (JsonNode?)JsonValue.Create(c))]);
        }

        if (options?.Provenance is { } provenance)
        {
            body["provenance"] = provenance.DeepClone();
        }

        if (options?.Warrant is { } warrant)
        {
            body["warrant"] = warrant;
        }

        if (options?.Simulate is { } simulate)
        {
            body["simulate"] = simulate;
        }

        return body;
    }

    private static string Base64UrlToBase64(string text)
    {
        var converted = text.Replace('-', '+').Replace('_', '/');
        return converted.PadRight(converted.Length + ((4 - (converted.Length % 4)) % 4), '=');
    }

    // A letter or digit first: '.' and '..' are path segments, never a connector.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ConnectorName();

    [GeneratedRegex("^[A-Za-z0-9_-]+\\z", RegexOptions.CultureInvariant)]
    private static partial Regex SafeId();
}
