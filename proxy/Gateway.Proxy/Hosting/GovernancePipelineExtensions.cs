using Gateway.Proxy.Admit;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Record;
using Gateway.Proxy.Respond;

namespace Gateway.Proxy.Hosting;

/// <summary>The governance stages as YARP's proxy pipeline, in request order.</summary>
internal static class GovernancePipelineExtensions
{
    /// <summary>
    /// Respond wraps the walk (it answers last, from the records the stages left) → authenticate → describe → admit →
    /// decide (pure: what it asks to be written is data) → record → enforce (first carrying out what the recorded decision
    /// asks: its approval opened with its receipt, its incident, its warrant redeemed) → forward, then YARP's own session affinity, load balancing and passive
    /// health checks before the forwarder (with the route's transforms). A stage that refuses adds its
    /// refusal and returns: the stages after it do not run.
    /// </summary>
    public static IReverseProxyApplicationBuilder UseGovernance(this IReverseProxyApplicationBuilder pipeline)
    {
        pipeline.UseMiddleware<RespondStage>();
        pipeline.UseMiddleware<AuthenticateStage>();
        pipeline.UseMiddleware<DescribeStage>();
        pipeline.UseMiddleware<AdmitStage>();
        pipeline.UseMiddleware<DecideStage>();
        pipeline.UseMiddleware<RecordStage>();
        pipeline.UseMiddleware<EnforceStage>();
        pipeline.UseMiddleware<ForwardStage>();
        pipeline.UseSessionAffinity();
        pipeline.UseLoadBalancing();
        pipeline.UsePassiveHealthChecks();
        return pipeline;
    }
}
