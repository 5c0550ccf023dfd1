using Gateway.Oversight;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Mcp;

/// <summary>The refusal of an <c>initialize</c> of an agent at its session limit whose every session has a call in flight (429 <c>mcp_session_limit</c>).</summary>
internal static class McpSessionLimit
{
    public static Refusal Reached(int maxSessions) =>
        new(StatusCodes.Status429TooManyRequests, ProblemCodes.McpSessionLimit,
            $"This agent holds {maxSessions} MCP sessions, each with a call in flight; wait for one to end, or end one (DELETE /mcp).")
        {
            RetryAfter = TimeSpan.FromSeconds(1),
        };
}
