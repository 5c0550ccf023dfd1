using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Policy.Canonical;

namespace Gateway.Policy.Tests;

/// <summary>The inputs of the recorded canonical-JSON and intent-digest vectors (Fixtures/canonical-vectors.json).</summary>
internal static class CanonicalVectors
{
    public static readonly string[] Inputs =
    [
        """{ "b": 1, "a": { "z": [3, 2, {"y": true, "x": null}], "c": "s" } }""",
        """["\u0041\/\u00e9\n\u0001\"", "\ud83d\ude80", "\u2028 \u003c\u0026\u0027\u002b", "tab\there\\back", "\u001f\u007f\b\f\r"]""",
        """{"é":1,"e":2,"\u00e9x":3,"日本":4,"😀":5,"\uffff":6,"z":7,"\u0062":8,"":9,"\ud83d\ude00b":10,"\uE000":11}""",
        """[1.50, 1e3, -0, 100000000000000000000001, 1E-7, 0.1, -12.5e+3]""",
        """{"k":"ünïcode ✓ 日本語 🚀","l":"agent\u0027s \u2014 d\u00e9tails \u2713","m":"plain ascii"}""",
        """{"to":"x@example.com","amount":10,"meta":{"b":1,"a":2,"nested":{"deep":[[],{},[{}],""]}},"flag":false,"none":null}""",
        """{"a\u0022q":"quote in name","a\\b":"backslash in name","a\nb":"newline in name","a/b":"slash"}""",
        "null",
        "\"just a string with \\u00e9\"",
    ];

    public static IntentFields Fields(JsonElement args, int variant) => variant switch
    {
        0 => new("t", "w", "a", "tool", ActionType.Write, "crm", DataClassSet.Pii, DeploymentEnvironment.Prod, false, ActionImpact.High, args, null),
        _ => new("tenant-é", "ws", "agent:1", "crm.read_contact", ActionType.Read, null, DataClassSet.Pii | DataClassSet.Internal | DataClassSet.Public, DeploymentEnvironment.Dev, true, ActionImpact.Low, args,
            [new ActionTarget { Kind = TargetKind.Host, Value = "example.com" }, new ActionTarget { Kind = TargetKind.Url, Value = "https://example.com/a?b=\"c\"" }]),
    };

    public static JsonArray Compute()
    {
        var vectors = new JsonArray();
        foreach (var input in Inputs)
        {
            using var document = JsonDocument.Parse(input);
            vectors.Add(new JsonObject
            {
                ["input"] = input,
                ["canonical"] = CanonicalText.Of(document.RootElement),
                ["intent_digests"] = new JsonArray(IntentDigest.Compute(Fields(document.RootElement, 0)), IntentDigest.Compute(Fields(document.RootElement, 1))),
            });
        }

        return vectors;
    }
}
