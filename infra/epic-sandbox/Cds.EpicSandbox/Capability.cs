using Hl7.Fhir.Model;

namespace Cds.EpicSandbox;

internal static class Capability
{
    public static CapabilityStatement Build(EpicSandboxServer server)
    {
        var rest = new CapabilityStatement.RestComponent
        {
            Mode = CapabilityStatement.RestfulCapabilityMode.Server,
            Security = new CapabilityStatement.SecurityComponent
            {
                Service = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/restful-security-service", "SMART-on-FHIR")],
                Extension =
                [
                    new Extension
                    {
                        Url = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                        Extension = [new Extension("token", new FhirUri(server.TokenEndpoint.ToString()))],
                    },
                ],
            },
        };
        foreach (var type in SearchEngine.Supported.Keys.Order(StringComparer.Ordinal))
        {
            var parameters = server.Search.SupportedFor(type);
            var interactions = new List<CapabilityStatement.ResourceInteractionComponent>
            {
                new() { Code = CapabilityStatement.TypeRestfulInteraction.Read },
                new() { Code = CapabilityStatement.TypeRestfulInteraction.SearchType },
            };
            if (type is "DocumentReference" or "Observation")
            {
                interactions.Add(new() { Code = CapabilityStatement.TypeRestfulInteraction.Create });
            }

            var resource = new CapabilityStatement.ResourceComponent
            {
                Type = type,
                Interaction = interactions,
                ConditionalCreate = type is "DocumentReference" or "Observation" ? true : null,
                SearchParam = parameters.Select(p => new CapabilityStatement.SearchParamComponent
                {
                    Name = p,
                    Type = p switch
                    {
                        "date" or "birthdate" => SearchParamType.Date,
                        "patient" or "subject" or "practitioner" => SearchParamType.Reference,
                        "family" or "given" or "name" => SearchParamType.String,
                        _ => SearchParamType.Token,
                    },
                }).ToList(),
            };
            if (type == "Group")
            {
                resource.Operation = [new CapabilityStatement.OperationComponent { Name = "export", Definition = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export" }];
            }

            rest.Resource.Add(resource);
        }

        return new CapabilityStatement
        {
            Status = PublicationStatus.Active,
            Date = "2026-01-01",
            Kind = CapabilityStatementKind.Instance,
            Software = new CapabilityStatement.SoftwareComponent { Name = "Cds.EpicSandbox (local Epic stand-in)", Version = "1.0" },
            Implementation = new CapabilityStatement.ImplementationComponent { Description = "Local Epic sandbox", Url = server.FhirBaseUrl.ToString() },
            FhirVersion = FHIRVersion.N4_0_1,
            Format = ["json"],
            Rest = [rest],
        };
    }
}
