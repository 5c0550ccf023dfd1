namespace Gateway.Proxy.Telemetry;

/// <summary>
/// The parts a governed request's wall time is split into: the <c>stage</c> tag of
/// <c>gateway.request.stage.duration</c> (<see cref="GatewayMetrics.StageDuration"/>), in request order.
/// </summary>
public enum GatewayStage
{
    /// <summary>The Authenticate stage: headers, clock, agent, body read, signature (every agent route).</summary>
    Authenticate,

    /// <summary>The request read as the action policy decides.</summary>
    Describe,

    /// <summary>The secret-material scan and the one store call (nonce, kill switches, rate limits).</summary>
    Admit,

    /// <summary>The policy engine.</summary>
    Decide,

    /// <summary>The decision written to the audit journal.</summary>
    Record,

    /// <summary>The connector's limits and the request as sent upstream (runs, and passes through, for every decision).</summary>
    Enforce,

    /// <summary>YARP's send, until the upstream's response status and headers reach the route's response transform.</summary>
    Forward,

    /// <summary>The answer: the response transforms and body (after forwarding), the outcome recorded, the response written.</summary>
    Respond,

    /// <summary>The whole request, from the request-id middleware until it is answered.</summary>
    Total,
}
