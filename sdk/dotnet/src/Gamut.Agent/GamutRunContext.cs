using System.Text.RegularExpressions;

namespace Gamut.Agent;

/// <summary>
/// The run of the code being executed (<see cref="GamutClient.RunAsync{T}"/>, <see cref="GamutRunChatClient"/>): an
/// <see cref="AsyncLocal{T}"/> that flows into everything the scope awaits, with the agent it belongs to, so that a client
/// of another agent in the same flow (a delegated child, say) does not carry it. Also the form of a run id.
/// </summary>
internal static partial class GamutRunContext
{
    private static readonly AsyncLocal<Scope?> Current = new();

    /// <summary>The run of the enclosing scope when it belongs to the agent <paramref name="options"/> sign as; else null.</summary>
    public static string? CurrentFor(GamutOptions options) =>
        Current.Value is { } scope && scope.Owner == Owner(options) ? scope.RunId : null;

    /// <summary>Makes <paramref name="runId"/> the run of the current flow for <paramref name="options"/>' agent (until the calling async method returns).</summary>
    public static void Enter(GamutOptions options, string runId) => Current.Value = new Scope(Owner(options), runId);

    /// <summary><paramref name="runId"/> when it is a run id (<c>run-</c> and 32 lowercase hex), else <see cref="GamutConfigurationException"/>.</summary>
    public static string Check(string? runId) =>
        runId is not null && RunIdPattern().IsMatch(runId)
            ? runId
            : throw new GamutConfigurationException("A run id is 'run-' followed by 32 lowercase hex characters (as POST /v1/runs answers).");

    public static bool IsRunId(string? value) => value is not null && RunIdPattern().IsMatch(value);

    private static (string BaseUrl, string Tenant, string Agent) Owner(GamutOptions options) => (options.BaseUrl.TrimEnd('/'), options.Tenant, options.AgentId);

    [GeneratedRegex("^run-[0-9a-f]{32}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex RunIdPattern();

    private sealed record Scope((string BaseUrl, string Tenant, string Agent) Owner, string RunId);
}
