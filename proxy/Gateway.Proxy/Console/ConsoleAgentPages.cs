using System.Text;
using Gateway.Oversight;
using Gateway.Oversight.Agents;
using Gateway.Oversight.Delegations;
using Gateway.Proxy.Bundle;
using static Gateway.Proxy.Console.ConsoleHtml;

namespace Gateway.Proxy.Console;

/// <summary>
/// The tenant's agent register as loaded (read only), each agent's kill switch and live delegations
/// (<c>/console/{tenant}/agents</c>); an operator or admin suspends or resumes an agent after a confirmation page
/// (<c>GET …/agents/{agent}/suspend</c> asks, the POST with the CSRF token does it) through the same
/// <see cref="AgentStatusService"/> as the admin API, written to the tenant's chain before the switch changes.
/// </summary>
internal static class ConsoleAgentPages
{
    public static void Map(RouteGroupBuilder console)
    {
        console.MapGet("/{tenant}/agents", ListAsync);
        console.MapGet("/{tenant}/agents/{agent}/{change:regex(^(suspend|resume)$)}", ConfirmAsync);
        console.MapPost("/{tenant}/agents/{agent}/{change:regex(^(suspend|resume)$)}", SwitchAsync);
    }

    private static async Task<IResult> ListAsync(HttpContext context, string tenant, PolicyProvider policy, AgentStatusService status, DelegationStore delegations)
    {
        var (session, refusal) = await ConsoleGuard.ReadAsync(context, tenant, ConsoleRoles.Readers);
        if (session is null)
        {
            return refusal!;
        }

        if (policy.Current is not { } snapshot || !snapshot.Set.TryGetTenant(tenant, out var tenantPolicy))
        {
            return Page("Agents", session, "<p>No policy is loaded for this tenant.</p>");
        }

        var body = new StringBuilder("<table><caption>The agent register as loaded</caption><thead><tr><th scope=\"col\">Agent</th><th scope=\"col\">Owners</th><th scope=\"col\">Tools</th><th scope=\"col\">Kill switch</th><th scope=\"col\">Live delegations</th></tr></thead><tbody>");
        foreach (var agent in tenantPolicy!.Register.Agents)
        {
            var state = await status.GetAsync(tenant, agent.Id, context.RequestAborted);
            var live = await delegations.SubtreeAsync(tenant, agent.Id, context.RequestAborted);
            body.Append("<tr><td>").Append(E(agent.Id)).Append(agent.Name is null ? string.Empty : "<br>" + E(agent.Name))
                .Append("</td><td>human: ").Append(E(agent.HumanOwner)).Append("<br>security: ").Append(E(agent.SecurityOwner))
                .Append("</td><td>").Append(E(string.Join(", ", agent.Permissions.Select(p => p.Tool)))).Append("</td><td>")
                .Append(state.Suspended ? "<span class=\"bad\">suspended</span>" : "<span class=\"ok\">running</span>");
            if (session.HasAny(ConsoleRoles.Switchers))
            {
                var change = state.Suspended ? "resume" : "suspend";
                body.Append(" <a href=\"/console/").Append(E(U(tenant))).Append("/agents/").Append(E(U(agent.Id))).Append('/').Append(change).Append("\">")
                    .Append(state.Suspended ? "Resume…" : "Suspend…").Append("</a>");
            }

            body.Append("</td><td>").Append(live.Count == 0 ? "none" : E(string.Join(", ", live.Select(d => d.Name + " (until " + d.ExpiresAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture) + ")"))))
                .Append("</td></tr>");
        }

        return Page("Agents", session, body.Append("</tbody></table>").ToString());
    }

    private static async Task<IResult> ConfirmAsync(HttpContext context, string tenant, string agent, string change, PolicyProvider policy)
    {
        var (session, refusal) = await ConsoleGuard.ReadAsync(context, tenant, ConsoleRoles.Switchers);
        if (session is null)
        {
            return refusal!;
        }

        if (!Registered(policy, tenant, agent))
        {
            return Refusal(StatusCodes.Status404NotFound, "agent_not_found", "No such agent in this tenant's register.", session);
        }

        var body = "<p>" + (change == "suspend"
                ? "Suspend agent <strong>" + E(agent) + "</strong>? Every request it sends is refused at once, on every replica, until it is resumed."
                : "Resume agent <strong>" + E(agent) + "</strong>? Its requests are decided again.")
            + "</p><form method=\"post\" action=\"/console/" + E(U(tenant)) + "/agents/" + E(U(agent)) + "/" + change + "\">" + Csrf(session)
            + "<button type=\"submit\">Yes, " + change + " " + E(agent) + "</button> <a href=\"/console/" + E(U(tenant)) + "/agents\">Cancel</a></form>";
        return Page(change == "suspend" ? "Suspend an agent" : "Resume an agent", session, body);
    }

    private static async Task<IResult> SwitchAsync(HttpContext context, string tenant, string agent, string change, PolicyProvider policy, AgentStatusService status)
    {
        var (session, _, refusal) = await ConsoleGuard.WriteAsync(context, tenant, ConsoleRoles.Switchers);
        if (session is null)
        {
            return refusal!;
        }

        if (!Registered(policy, tenant, agent))
        {
            return Refusal(StatusCodes.Status404NotFound, "agent_not_found", "No such agent in this tenant's register.", session);
        }

        // Written before the switch: a journal that cannot take it fails the call (503) before the switch changes; a switch
        // that then fails (its store unavailable: the host then answers 503) is written as well, under the same request id.
        var action = "agent." + change;
        await RecordedAct.RunAsync(
            () => ConsoleAudit.RecordAsync(context, session, action, agent),
            ct => change == "suspend" ? status.SuspendAsync(tenant, agent, session.Actor, ct) : status.ResumeAsync(tenant, agent, session.Actor, ct),
            (code, _) => ConsoleAudit.RecordAsync(context, session, action + "_refused", agent, reason: "the switch could not be set: " + code, cancellationToken: CancellationToken.None),
            context.RequestServices.GetRequiredService<ILogger<AgentStatusService>>());
        return Results.Redirect("/console/" + Uri.EscapeDataString(tenant) + "/agents");
    }

    private static bool Registered(PolicyProvider policy, string tenant, string agent) =>
        policy.Current is { } snapshot && snapshot.Set.TryGetTenant(tenant, out var tenantPolicy) && tenantPolicy!.TryGetAgent(agent, out _);
}
