using Gateway.Connectors.Kinds;
using Gateway.Connectors.Mcp;
using Gateway.Connectors.Models;
using Gateway.Connectors.Results;
using Gateway.Connectors.Workspace;
using Gateway.Policy;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Describe;
using Gateway.Oversight;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Refusals;
using Gateway.Store;
using Yarp.ReverseProxy.Transforms;
using System.Runtime.CompilerServices;

namespace Gateway.Proxy.Forward;

/// <summary>
/// A native governed action's response: the upstream's body is decoded, read within the connector's
/// <c>max_response_bytes</c> (a context pack is cut to the agent's <c>max_bytes</c> on a character
/// boundary instead) and turned into the redacted <c>result</c> in the shape of the route's connector's kind
/// (<see cref="ConnectorResultReader"/>; the route's value), added as the <see cref="UpstreamResponse"/>; nothing of the
/// upstream's response (headers included) is passed on as such. A read of a workspace store keeps only the items the
/// reader may receive (<see cref="WorkspaceItemClearance"/>, <see cref="WorkspacePack"/>): a pack that is too large or not
/// a pack is refused, never passed unchecked, as is a read's answer that is not 2xx (its body is not checked), and an answer redaction cannot read (<see cref="ConnectorResultReader"/> refuses
/// it: an unreadable charset, UTF-16 or UTF-32 text, a NUL byte) likewise, 502 <c>upstream_unavailable</c>. A writeback the
/// store did not take (not 2xx) is refused: the item is not confirmed written. An MCP server's event stream on <c>/mcp</c>
/// is relayed as it comes (<see cref="McpProgressRelay"/>, given the <see cref="McpServerRequests"/> it keeps the server's requests to the client in, and the
/// <see cref="McpAnswerRelay"/> that answers the others, when the route was built), and
/// a remote agent's event stream on <c>/a2a/{connector}</c> likewise, event by event (<see cref="A2aStreamRelay"/>).
/// A request on <c>/mcp</c> to a server's prompt or resource whose answer the describer said what is done with
/// (<see cref="McpServerCall.Answered"/>: a completion's values narrowed, a subscription relayed) has it done here.
/// The Respond stage records the outcome and answers with the decision and the result.
/// </summary>
internal sealed class GovernedResultTransform : ResponseTransform
{
    /// <summary>How far past the limit a plain context answer is read, so the cut at the limit falls after redaction.</summary>
    private const int RedactionMargin = 4096;

    private readonly McpServerRequests? _serverRequests;
    private readonly McpAnswerRelay? _answers;

    /// <param name="shape">The kind of the route's connector, whose result shape the answer is read in.</param>
    /// <param name="serverRequests">For an MCP server's route: where its requests to the client are kept while it streams.</param>
    /// <param name="answers">For an MCP server's route: what answers the server's requests the client is not asked.</param>
    public GovernedResultTransform(ConnectorKind shape, McpServerRequests? serverRequests, McpAnswerRelay? answers)
    {
        if (ConnectorTypes.Of(shape).IsMcpServer && (serverRequests is null || answers is null))
        {
            throw new ArgumentException("An MCP server's result transform needs the store of its requests to the client and what answers the others.", nameof(serverRequests));
        }

        Shape = shape;
        _serverRequests = serverRequests;
        _answers = answers;
    }

    /// <summary>The kind whose result shape the answer is read in.</summary>
    internal ConnectorKind Shape { get; }

    /// <inheritdoc/>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask ApplyAsync(ResponseTransformContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.ProxyResponse is not { } proxyResponse)
        {
            return;
        }

        context.SuppressResponseBody = true;
        var httpContext = context.HttpContext;
        var (feature, plan, status, decoded) = await UpstreamAnswer.OpenAsync(context, proxyResponse).ConfigureAwait(false);
        if (!decoded)
        {
            feature.Add(new UpstreamResponse(status) { Refusal = ResponseDecoding.Undecodable });
            return;
        }

        if (plan.A2aTasks is not null && status is >= 200 and < 300
            && plan.Envelope?.JsonRpcId?.StartsWith(A2aEventStreamReader.StreamIdPrefix, StringComparison.Ordinal) == true
            && proxyResponse.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            // A remote agent's event stream: relayed event by event as it comes.
            feature.Add(await A2aStreamRelay.RelayAsync(httpContext, proxyResponse.Content, status, plan, context.CancellationToken).ConfigureAwait(false));
            return;
        }

        // A context pack, on the context route or read as a resource on /mcp, is read within the connector's limit (a
        // workspace store's pack whole, its items checked against policy), redacted, and only then cut to the agent's
        // max_bytes: a cut the agent places cannot split a value redaction would have matched whole.
        var isContext = Shape == ConnectorKind.Context;
        var clearance = plan.Clearance;
        var requested = isContext ? plan.Envelope?.ResultLimit : null;
        var limit = plan.MaxResponseBytes;
        byte[] bytes;
        bool more;
        ModelUsageAccumulator? pastLimit = null;
        if (plan.RelaysToMcpClient && _serverRequests is { } requests && _answers is { } answers
            && proxyResponse.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            var request = proxyResponse.RequestMessage;
            var origin = new McpCallOrigin(plan.Identity.Tenant, plan.Identity.Agent, plan.Upstream.Name, (request?.RequestUri ?? plan.Upstream.Upstream!).ToString(),
                request?.Headers.TryGetValues(McpSessionHandler.SessionHeader, out var sessions) == true ? sessions.FirstOrDefault() : null);
            try
            {
                (bytes, more) = await McpProgressRelay.ReadAsync(httpContext, proxyResponse.Content, limit, plan.Redactions, requests, origin,
                    (id, cancellationToken) => answers.RefuseAsync(plan.Upstream, origin, id, cancellationToken), context.CancellationToken).ConfigureAwait(false);
            }
            catch (StateStoreUnavailableException)
            {
                // Where the client's answer goes could not be kept: the server would wait for an answer that cannot reach it.
                feature.Add(new UpstreamResponse(status)
                {
                    Refusal = new Refusal(StatusCodes.Status503ServiceUnavailable, ProblemCodes.McpServerRequestNotRelayed,
                        "The MCP server asked the client for input mid-call, and the gateway's store could not keep where the answer goes; the call was ended."),
                });
                return;
            }
            catch (Exception ex)
            {
                // The call ended without its answer, its stream perhaps begun: the Respond stage records the outcome and ends the stream.
                feature.Add(new UpstreamResponse(status) { Refusal = McpProgressRelay.Ended(ex, httpContext) });
                return;
            }
        }
        else if (ConnectorTypes.Of(Shape).IsModel)
        {
            // A model's answer past the limit is refused, once read on through its usage tap alone (ModelUsageDrain).
            (bytes, more, pastLimit) = await ResponseBodyReader.ReadModelAnswerUpToAsync(proxyResponse.Content, limit,
                proxyResponse.Content.Headers.ContentType?.MediaType == "text/event-stream", Shape, plan.Upstream.Limits.UpstreamTimeout, context.CancellationToken).ConfigureAwait(false);
        }
        else
        {
            // A plain context answer past the limit is cut, but only after it was redacted: it is read a margin past the
            // limit, so that a value redaction matches whole is redacted before the cut at the limit can split it; what the
            // streaming redactor still holds back at the read's end is dropped (ConnectorResultReader), however much the
            // replacements before it shortened the text.
            var margin = isContext && clearance is null ? RedactionMargin : 0;
            (bytes, more) = await ResponseBodyReader.ReadUpToAsync(proxyResponse.Content, limit + margin, context.CancellationToken).ConfigureAwait(false);
            if (bytes.Length > limit)
            {
                // Cut at the limit after redaction (and said to be cut only when it is).
                requested = Math.Min(requested ?? limit, limit);
            }
        }
        if (more && (!isContext || clearance is not null))
        {
            feature.Add(new UpstreamResponse(status)
            {
                Refusal = new Refusal(StatusCodes.Status502BadGateway, ProblemCodes.ResponseTooLarge, "The upstream's response exceeds the connector's limit."),

                // Nothing of it is returned: it carries only the usage it reported, for the call's settle.
                Result = pastLimit is null ? null : new ConnectorResult { StatusCode = status, Json = "null"u8.ToArray(), Usage = pastLimit.Usage, UsageCut = pastLimit.StreamCut },
            });
            return;
        }

        if (plan.WritesItem && status is < 200 or >= 300)
        {
            feature.Add(new UpstreamResponse(status) { Refusal = WritebackFailed(status) });
            return;
        }

        if (plan.WritesItem)
        {
            // The store's answer is no item the agent was cleared to read (a store may answer with the version it replaced
            // or its scope's pack): only its status comes back, beside `written`, what the gateway wrote.
            bytes = [];
            more = false;
        }

        if (clearance is not null && status is < 200 or >= 300)
        {
            // A store's answer that is not 2xx is no pack checked against policy (its body may hold items all the same).
            feature.Add(new UpstreamResponse(status) { Refusal = ReadFailed(status) });
            return;
        }

        WorkspacePackResult? pack = null;
        if (clearance is not null)
        {
            pack = WorkspacePack.Filter(bytes, clearance.Clear);
            if (pack is null)
            {
                feature.Add(new UpstreamResponse(status) { Refusal = NotAPack });
                return;
            }

            bytes = pack.Json;
        }

        if (more)
        {
            bytes = bytes[..Utf8Boundary.LastCompleteLength(bytes)];
        }

        ConnectorResult result;
        try
        {
            result = ConnectorResultReader.Read(
                Shape,
                status,
                proxyResponse.Content.Headers.ContentType?.ToString(),
                bytes,
                plan.Envelope?.JsonRpcId,
                truncated: more,
                plan.Redactions,
                requested);
        }
        catch (InvalidDataException)
        {
            feature.Add(new UpstreamResponse(status) { Refusal = UpstreamResponse.Uninspectable });
            return;
        }

        if (feature.Find<DescribedAction>()?.McpServerCall?.Answered is { } answered)
        {
            // What the route kind does with its server's answer (a completion's values narrowed, a subscription relayed).
            result = await answered(result, context.CancellationToken).ConfigureAwait(false);
        }

        feature.Add(new UpstreamResponse(status) { Withheld = pack?.Withheld, Result = result });
    }

    /// <summary>A workspace store's answer that is not a pack: its items cannot be checked, so none of it is passed on.</summary>
    private static readonly Refusal NotAPack = new(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable,
        "The workspace's answer is not a workspace pack (a JSON object with an 'items' array), so its items cannot be checked against policy; nothing of it is returned.");

    /// <summary>A read the store did not answer 2xx: its body is not checked as a pack, so none of it is passed on.</summary>
    private static Refusal ReadFailed(int status) => new(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable,
        $"The workspace answered {status}; its items cannot be checked against policy, so nothing of the answer is returned.");

    /// <summary>A writeback the store did not accept (any status but 2xx): the agent must not take the item as written.</summary>
    private static Refusal WritebackFailed(int status) => new(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable,
        $"The workspace answered {status}; the item is not confirmed written.");
}
