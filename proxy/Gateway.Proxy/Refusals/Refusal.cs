using System.Text.Json;
using Gateway.Oversight;

namespace Gateway.Proxy.Refusals;

/// <summary>
/// The gateway's one refusal: a status, a stable <see cref="ProblemCodes"/> code and a detail, with the
/// decision and its explanation when one was made. Every stage that refuses adds one to the request
/// (authentication in its own record, with its challenge headers); the Respond stage records it and
/// <see cref="RefusalResponse"/> writes it as problem+json, an OpenAI error object or a JSON-RPC error.
/// </summary>
/// <param name="Status">The HTTP status.</param>
/// <param name="Code">The stable code clients branch on.</param>
/// <param name="Detail">What happened, for a human; null leaves it out (a framework problem with a title of its own).</param>
internal sealed record Refusal(int Status, string Code, string? Detail)
{
    /// <summary>When retrying can help: sent as <c>Retry-After</c> in whole seconds.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The decision's wire name, when the refusal follows a decision.</summary>
    public string? Decision { get; init; }

    /// <summary>The decision's explanation (agent-protocol JSON), when the refusal follows a decision.</summary>
    public ReadOnlyMemory<byte> ExplanationJson { get; init; }

    /// <summary>Protocol members after the standard ones (<c>invoked</c>, <c>approval</c>, <c>scope</c>…), already JSON.</summary>
    public Action<Utf8JsonWriter>? Members { get; init; }

    /// <summary>
    /// A refusal before any decision that still says something about an action (a rate limit, an
    /// operation no connector declares): the tool or connector it is recorded under in the audit
    /// journal. Null: not recorded (bad input says nothing about an action).
    /// </summary>
    public string? AuditTool { get; init; }

    /// <summary>Recorded under no tool when <see cref="AuditTool"/> is null, as authentication's refusals of a proven agent are.</summary>
    public bool RecordedUnderNoTool { get; init; }

    /// <summary>
    /// Recorded only when it is the first of its code for the agent, its secret and the route in a minute (a stopped
    /// secret's refusal, and Authenticate's refusals of a proven agent, which come before any rate-limit window): the rest
    /// are answered alike, unrecorded.
    /// </summary>
    public bool RecordedOncePerMinute { get; init; }

    /// <summary>The JSON-RPC error code, where the MCP specification names one for this refusal; null: -31000.</summary>
    public int? JsonRpcCode { get; init; }

    /// <summary>
    /// In JSON-RPC, a tool execution error (a result with <c>isError</c>) instead of an error: what the MCP specification
    /// asks for a tool's arguments that fail its input schema, so that the model reads and corrects them.
    /// </summary>
    public bool AsToolError { get; init; }

    /// <summary>
    /// A JSON-RPC error that keeps its HTTP <see cref="Status"/> instead of 200: a transport failure the MCP specification
    /// answers in HTTP (403 for a refused <c>Origin</c>, 400 for a header that disagrees with the body).
    /// </summary>
    public bool JsonRpcKeepsStatus { get; init; }

    /// <summary>
    /// <c>WWW-Authenticate</c> challenges the answer carries (an OAuth protected resource's refusal of a token:
    /// <c>insufficient_scope</c> with the scope it needs), written after the response is cleared; null: none.
    /// </summary>
    public IReadOnlyList<string>? Challenges { get; init; }

    /// <summary>
    /// Where the person can resolve the refusal themselves (the page that links their own account at a connector's
    /// upstream, <c>upstream_account_not_linked</c>): written as <c>link_url</c> in every format; null: none.
    /// </summary>
    public string? LinkUrl { get; init; }

    /// <summary>
    /// In JSON-RPC, this result in place of the error (an MCP 2026-07-28 <c>input_required</c> result), the refusal's
    /// <c>data</c> under its <c>_meta["gamut.dev/refusal"]</c>; null: an error (or <see cref="AsToolError"/>).
    /// </summary>
    public Action<Utf8JsonWriter>? JsonRpcResult { get; init; }

    /// <summary>A framework problem's own <c>type</c>; null: <see cref="RefusalResponse.TypePrefix"/> and the code.</summary>
    public string? Type { get; init; }

    /// <summary>A framework problem's own <c>title</c>; null: the status's reason phrase.</summary>
    public string? Title { get; init; }

    /// <summary>The wait (<c>Retry-After: 2</c>) after a refusal a short wait cures: the state store's outage, a connector not in service yet.</summary>
    public static readonly TimeSpan ShortRetryAfter = TimeSpan.FromSeconds(2);

    /// <summary>The state store cannot be reached (fail closed); a store outage is transient: retry after <see cref="ShortRetryAfter"/>.</summary>
    public static Refusal StoreUnavailable() =>
        new(StatusCodes.Status503ServiceUnavailable, ProblemCodes.StoreUnavailable, "The state store cannot be reached; nothing was forwarded.")
        {
            RetryAfter = ShortRetryAfter,
        };

    /// <summary>The audit record could not be written (fail closed).</summary>
    public static Refusal AuditUnavailable() =>
        new(StatusCodes.Status503ServiceUnavailable, ProblemCodes.AuditUnavailable, "The audit record could not be written, so the request is refused.");

    /// <summary>No policy is loaded for the agent's tenant.</summary>
    public static Refusal PolicyUnavailable() =>
        new(StatusCodes.Status503ServiceUnavailable, ProblemCodes.PolicyUnavailable, "No policy is loaded for this tenant; nothing was forwarded.");

    /// <summary>
    /// An <c>/mcp</c> session that is not live for this agent (ended, given way, expired), or at admission another person's:
    /// told in HTTP, 404, on which a client initializes again.
    /// </summary>
    public static Refusal UnknownMcpSession() =>
        new(StatusCodes.Status404NotFound, ProblemCodes.NotFound, "No such MCP session for this agent: it ended, gave way to a newer one, or expired; initialize a new one.");

    /// <summary>The pipeline met a request it cannot handle (a bug); nothing is forwarded.</summary>
    public static Refusal Internal() =>
        new(StatusCodes.Status500InternalServerError, ProblemCodes.InternalError, "The gateway failed to handle the request; nothing was forwarded.");

    /// <summary>
    /// The decision was made on token generations an operator has since moved (<see cref="ProblemCodes.DecisionOutdated"/>):
    /// its token would be revoked on arrival; recorded under <paramref name="tool"/>, and the same request, signed again, is
    /// decided on what the store read.
    /// </summary>
    public static Refusal DecisionOutdated(string? tool) =>
        new(StatusCodes.Status503ServiceUnavailable, ProblemCodes.DecisionOutdated, "The agent's decision tokens were revoked (a suspension since lifted) after this replica last read them; nothing was forwarded. Send the request again.")
        {
            RetryAfter = TimeSpan.FromSeconds(1),
            AuditTool = tool,
        };

    /// <summary>A rate-limit window of <paramref name="scope"/> is exhausted, recorded under <paramref name="tool"/> (when there is one).</summary>
    public static Refusal RateLimited(string scope, TimeSpan retryAfter, string? tool) =>
        new(StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The {scope} rate limit is exhausted; its window resets in {Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))} s (retry_after_seconds, Retry-After)."))
        {
            RetryAfter = retryAfter,
            AuditTool = tool,
            Members = writer => writer.WriteString("scope"u8, scope),
        };
}
