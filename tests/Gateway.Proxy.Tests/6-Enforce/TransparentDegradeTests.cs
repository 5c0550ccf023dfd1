using Gateway.Policy;
using Gateway.Policy.Bundles;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Enforce;
using Microsoft.AspNetCore.Http;

namespace Gateway.Proxy.Tests.Enforce;

/// <summary>
/// <see cref="TransparentDegrade.Refuse"/> on its own, for a degrade form the entry's kind cannot carry out: a bundle cannot
/// declare <c>route</c> on an <c>http</c> entry (the loader refuses it), so the Enforce check behind it is reached here.
/// </summary>
public sealed class TransparentDegradeTests
{
    private static readonly DegradeSpec Route = new() { Mode = DegradeMode.Route, Route = new DegradeRoute { Model = "small" } };

    private static readonly CatalogEntry Refunds = new()
    {
        Name = "refunds",
        Kind = ConnectorKind.Http,
        ActionType = ActionType.Write,
        Http = new HttpBinding { Method = "POST", Path = "/refunds" },
        Degrade = Route,
    };

    [Fact]
    public void Refuse_RouteDegradeOnAnHttpWrite_IsRefusedAndNeverSent()
    {
        var refusal = TransparentDegrade.Refuse(Described("refunds"), Refunds, Route);

        Assert.NotNull(refusal);
        Assert.Equal(StatusCodes.Status403Forbidden, refusal.Status);
        Assert.Equal("degrade_refused", refusal.Code);
    }

    [Fact]
    public void Refuse_RouteDegradeOnAModel_IsLetThrough()
    {
        var model = new CatalogEntry { Name = "openai", Kind = ConnectorKind.OpenAI, ActionType = ActionType.ModelInference, Degrade = Route };

        Assert.Null(TransparentDegrade.Refuse(Described("openai"), model, Route));
    }

    private static DescribedAction Described(string tool)
    {
        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", "tenant: t1\nworkspaces: [w]\n", Path.GetTempPath());
        Assert.Empty(result.Errors);
        return new DescribedAction(result.Tenant!, new ActionRequest { Tool = tool });
    }
}
