using Gateway.Proxy.Admit;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Record;
using Gateway.Proxy.Respond;

namespace Gateway.Proxy.Hosting;

/// <summary>The governance stages as YARP's proxy pipeline, in request order.</summary>
internal static class GovernancePipelineExtensions
{
    /// <summary>
    /// fail closed → describe → admit → decide → record → enforce, then YARP's own session affinity,
    /// load balancing and passive health checks before the forwarder (with the route's transforms).
    /// Authentication ran before the pipeline, chosen by the route's endpoint metadata.
    /// </summary>
    public static IReverseProxyApplicationBuilder UseGovernance(this IReverseProxyApplicationBuilder pipeline)
    {
        pipeline.UseMiddleware<FailClosedStage>();
        pipeline.UseMiddleware<DescribeStage>();
        pipeline.UseMiddleware<AdmitStage>();
        pipeline.UseMiddleware<DecideStage>();
        pipeline.UseMiddleware<RecordStage>();
        pipeline.UseMiddleware<EnforceStage>();
        pipeline.UseSessionAffinity();
        pipeline.UseLoadBalancing();
        pipeline.UsePassiveHealthChecks();
        return pipeline;
    }
}
