namespace Gateway.Policy.Canonical;

/// <summary>
/// The intent digest: lowercase hex SHA-256 of the canonical JSON object with the members
/// <c>action_type, agent, args, data_classes, environment, external, impact, person, target_system, targets, tenant, tool, workspace</c>
/// (<c>args</c> is null when absent; <c>data_classes</c> in declaration order; <c>person</c>, the acting person's
/// <c>{issuer, subject}</c>, only when the agent acts for one, so an intent with no person keeps its digest; <c>targets</c> in request order).
/// </summary>
public static class IntentDigest
{
    /// <summary>Computes the digest of a descriptor's fields plus the request's args and targets.</summary>
    public static string Compute(in IntentFields fields) => CanonicalJson.Sha256Hex(fields, static (writer, f) => Write(writer, f));

    /// <summary>Writes the canonical JSON the digest is taken over.</summary>
    public static void Write(CanonicalJsonWriter writer, IntentFields fields)
    {
        writer.WriteRaw("{"u8);
        writer.WritePropertyName("action_type");
        writer.WriteString(WireNames.Of(fields.ActionType));
        writer.WriteRaw(","u8);
        writer.WritePropertyName("agent");
        writer.WriteString(fields.Agent);
        writer.WriteRaw(","u8);
        writer.WritePropertyName("args");
        writer.WriteElement(fields.Args);
        writer.WriteRaw(","u8);
        writer.WritePropertyName("data_classes");
        writer.WriteRaw("["u8);
        var first = true;
        for (var dataClass = DataClass.Public; dataClass <= DataClass.TopSecret; dataClass++)
        {
            if ((fields.DataClasses & dataClass.ToSet()) == 0)
            {
                continue;
            }

            if (!first)
            {
                writer.WriteRaw(","u8);
            }

            first = false;
            writer.WriteString(WireNames.Of(dataClass));
        }

        writer.WriteRaw("],"u8);
        writer.WritePropertyName("environment");
        writer.WriteString(WireNames.Of(fields.Environment));
        writer.WriteRaw(","u8);
        writer.WritePropertyName("external");
        writer.WriteBoolean(fields.External);
        writer.WriteRaw(","u8);
        writer.WritePropertyName("impact");
        writer.WriteString(WireNames.Of(fields.Impact));
        writer.WriteRaw(","u8);
        if (fields.Person is { } person)
        {
            // An approval is of one person's action: another person's same request is another intent.
            writer.WritePropertyName("person");
            writer.WriteRaw("{"u8);
            writer.WritePropertyName("issuer");
            writer.WriteString(person.Issuer);
            writer.WriteRaw(","u8);
            writer.WritePropertyName("subject");
            writer.WriteString(person.Subject);
            writer.WriteRaw("},"u8);
        }

        writer.WritePropertyName("target_system");
        writer.WriteString(fields.TargetSystem);
        writer.WriteRaw(","u8);
        writer.WritePropertyName("targets");
        writer.WriteRaw("["u8);
        if (fields.Targets is not null)
        {
            for (var i = 0; i < fields.Targets.Count; i++)
            {
                if (i > 0)
                {
                    writer.WriteRaw(","u8);
                }

                writer.WriteRaw("{"u8);
                writer.WritePropertyName("kind");
                writer.WriteString(WireNames.Of(fields.Targets[i].Kind));
                writer.WriteRaw(","u8);
                writer.WritePropertyName("value");
                writer.WriteString(fields.Targets[i].Value);
                writer.WriteRaw("}"u8);
            }
        }

        writer.WriteRaw("],"u8);
        writer.WritePropertyName("tenant");
        writer.WriteString(fields.Tenant);
        writer.WriteRaw(","u8);
        writer.WritePropertyName("tool");
        writer.WriteString(fields.Tool);
        writer.WriteRaw(","u8);
        writer.WritePropertyName("workspace");
        writer.WriteString(fields.Workspace);
        writer.WriteRaw("}"u8);
    }
}
