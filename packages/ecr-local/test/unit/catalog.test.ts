import { describe, expect, it } from "vitest";
import { ServiceError } from "../../src/errors.js";
import { CATALOG_LIMITS, catalogDataOf, catalogJson } from "../../src/public/catalog.js";

function refusal(catalogData: unknown): ServiceError {
  try {
    catalogDataOf({ catalogData });
  } catch (error) {
    expect(error).toBeInstanceOf(ServiceError);
    return error as ServiceError;
  }
  throw new Error(`expected ${JSON.stringify(catalogData)?.slice(0, 80)} to be refused`);
}

describe("ECR Public catalog data", () => {
  it("keeps what is given, the logo as its size, and answers it with a logo URL instead of the bytes", () => {
    const logo = Buffer.from("logo bytes").toString("base64");
    const catalog = catalogDataOf({
      catalogData: {
        description: "d",
        aboutText: "a",
        architectures: ["x86-64", "riscv64"],
        operatingSystems: [],
        logoImageBlob: logo,
      },
    });
    expect(catalog).toEqual({
      description: "d",
      aboutText: "a",
      architectures: ["x86-64", "riscv64"],
      operatingSystems: [],
      logoBytes: 10,
    });
    expect(catalogJson(catalog, "http://logo")).toEqual({
      description: "d",
      aboutText: "a",
      architectures: ["x86-64", "riscv64"],
      operatingSystems: [],
      logoUrl: "http://logo",
      marketplaceCertified: false,
    });
    expect(catalogDataOf({})).toEqual({});
  });

  it("refuses each field over its limit with InvalidParameterException naming it", () => {
    const cases: [unknown, string][] = [
      [{ description: "x".repeat(CATALOG_LIMITS.description + 1) }, "catalogData.description"],
      [{ aboutText: "x".repeat(CATALOG_LIMITS.aboutText + 1) }, "catalogData.aboutText"],
      [{ usageText: "x".repeat(CATALOG_LIMITS.usageText + 1) }, "catalogData.usageText"],
      [{ architectures: Array.from({ length: 51 }, () => "ARM") }, "catalogData.architectures"],
      [{ operatingSystems: ["x".repeat(51)] }, "catalogData.operatingSystems"],
      [{ operatingSystems: [""] }, "catalogData.operatingSystems"],
      [{ logoImageBlob: "A".repeat(CATALOG_LIMITS.logoBase64 + 4) }, "catalogData.logoImageBlob"],
      [{ logoImageBlob: "not base64!" }, "catalogData.logoImageBlob"],
      [{ description: 5 }, "catalogData.description"],
      ["a string", "catalogData"],
    ];
    for (const [catalogData, field] of cases) {
      const error = refusal(catalogData);
      expect(error.code).toBe("InvalidParameterException");
      expect(error.message).toMatch(
        new RegExp(`^Invalid parameter at '${field.replace(".", "\\.")}' failed to satisfy constraint`),
      );
    }
  });
});
